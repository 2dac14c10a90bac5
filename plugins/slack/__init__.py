"""The Slack connector: Events API in; messages, threads, edits, deletes, files and reactions
out (see README.md for the app manifest an admin installs)."""
