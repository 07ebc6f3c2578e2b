"""One module per dock panel. Each panel gets its own long-lived worker from the window."""
