"""Automation rules: which playbooks run, and which incident changes are made, when an incident
or alert is created or updated. Pure: the shell loads rules and subjects and carries out what
these functions decide."""
