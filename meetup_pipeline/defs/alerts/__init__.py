"""Alerts: a failed run or a stale asset, logged and POSTed to the alert webhook."""
