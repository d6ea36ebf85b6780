"""Playbook templates shipped with soarflow: each a JSON file holding a playbook document and
what a person choosing it needs to know (title, description, scenario, connectors, the
connections it uses and the parameters it asks for). catalog.py loads and instantiates them."""
