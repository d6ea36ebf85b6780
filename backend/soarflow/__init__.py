"""soarflow: a self-hosted security playbook designer and graph runtime."""

__version__ = "0.1.0"
