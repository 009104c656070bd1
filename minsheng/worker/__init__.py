"""Background jobs on Celery with Redis as the broker: outbox delivery, the SLA sweep, digests.

The database stays the source of truth: tasks carry no state of their own, only "look at the
database now", so a lost, repeated or late task message changes nothing.
"""
