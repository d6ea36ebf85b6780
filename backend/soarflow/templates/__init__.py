"""Playbook templates shipped with soarflow: each a JSON file holding a playbook document and
what a person choosing it needs to know (title, description, scenario, connectors)."""
