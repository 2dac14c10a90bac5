"""`passerelle search`, `thread` and `forget`: the network's memory from the command line."""
