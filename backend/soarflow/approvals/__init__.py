"""Approvals: a playbook step asks people to choose an option and waits for their answer.
The pure parts live here (who decides, how links are signed); the store and the API use them."""
