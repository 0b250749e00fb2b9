"""Faults with real processes: two `switchboard run` gateways, a redis-server to kill and
restart, fake platforms and a fake model in the test process. `make faults` runs the same
scenarios larger and writes docs/reliability.md (`python -m tests.reliability`)."""
