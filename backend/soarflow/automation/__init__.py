"""Automation rules: which playbooks run, and which incident changes are made, when an incident
or alert is created or updated. `rules` decides and is pure; `dispatch` is the shell that loads
rules and incidents from the store, makes the changes and submits the runs."""
