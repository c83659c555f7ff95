"""meetup package."""
