"""What runs by itself: the daily schedule and the sensors that refresh and check."""
