"""A local double of the YClients REST API for the demo, tests and benchmarks."""

from devstack.yclients_sandbox.app import (
    SANDBOX_KEY,
    RequestLogEntry,
    Sandbox,
    create_sandbox_app,
    sandbox_of,
)
from devstack.yclients_sandbox.config import (
    DEMO_COMPANY_BARHAT,
    DEMO_COMPANY_LOTOS,
    DEMO_PARTNER_TOKEN,
    DEMO_SANDBOX_CONFIG,
    DEMO_USER_TOKENS,
    SandboxCompany,
    SandboxConfig,
    demo_sandbox_config,
)

__all__ = [
    "DEMO_COMPANY_BARHAT",
    "DEMO_COMPANY_LOTOS",
    "DEMO_PARTNER_TOKEN",
    "DEMO_SANDBOX_CONFIG",
    "DEMO_USER_TOKENS",
    "SANDBOX_KEY",
    "RequestLogEntry",
    "Sandbox",
    "SandboxCompany",
    "SandboxConfig",
    "create_sandbox_app",
    "demo_sandbox_config",
    "sandbox_of",
]
