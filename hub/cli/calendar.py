"""`passerelle calendar`: each bridge's calendar feed."""
