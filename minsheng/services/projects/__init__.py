"""Livelihood projects (民生实事): the service layer around case_store.projects.

One module per concern, one function per use case, each in one unit of work:
`cycle` (propose, review, publish, select, assign, progress, complete, withdraw), `backing`
(residents back and rate projects; evaluators score them), `announce` (who hears about a
project, through the outbox, and how aware they are), `sweep` (the daily milestone check),
`demand` (the demand ledger and its topics), `views` (what screens and the CLI show), `chat`
(the dialogue's project commands) and `rights` (/mydata and /forget).
"""
