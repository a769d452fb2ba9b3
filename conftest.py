"""Root conftest: shared fixture plugins for every test folder."""

pytest_plugins = ["tests.fixtures_db", "tests.fixtures_pcsc"]
