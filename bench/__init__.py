"""Benchmarks of backup-bot: ``python -m bench`` (or ``make bench``).

Each scenario measures the bot and, in the same run, a baseline (a minimal Bolt app or a naive
implementation), against the local backup API simulator and Slack stand-in over loopback HTTP.
"""
