"""Every asset check: the window checks of fact_events, the reject rate, freshness."""
