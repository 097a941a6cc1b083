"""Deadlines and lights: the SLA policy, the sweep that lights tickets yellow and red and tells
the units, 书面说明 for red tickets, and the daily report."""
