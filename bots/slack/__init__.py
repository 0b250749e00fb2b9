"""Slack on slack-bolt (async): Socket Mode or HTTP events in, streamed or edited replies out.
Importing this package is cheap: slack-bolt loads with `adapter`."""
