"""`passerelle export`: a bridge's or a period's history as a static site, Markdown or JSON."""
