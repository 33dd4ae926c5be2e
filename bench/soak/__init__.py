"""``make soak``: the real bot under random, seeded traffic and faults, checked against invariants.

The bot runs as its own process (``bot.devtools.processes``) on a state file that survives its
restarts; the backup API simulator and the Slack stand-in run in the soak's process, where the
soak can read everything Slack was sent and every request the API saw. Traffic comes from many
users and channels (lists, lookups, paging, shares, wake-ups by command and by button, watch,
unwatch, reports, acknowledgements and snoozes of incident messages); faults are drawn at random
(backup API 503 bursts, latency spikes, hangs, malformed bodies, token expiry, Slack 429 and 5xx,
slow Slack, expired response_urls, SIGTERM and SIGKILL of the bot with a restart on the same
state file), and agents change under the watch (disabled, stale, powered off, and back). One
seed (``SOAK_SEED``, printed at the start) fixes the order and kind of every action and fault;
thread timing is the machine's, so a replay repeats the schedule, not each interleaving.

What the invariants mean under faults (each counted case is in the table and the JSON):

* **Ack within 3 s**: every request the bot answered with HTTP 200 did so within Slack's 3 s.
  A request that got no HTTP answer (the bot was down, or was killed or stopping with the
  request on the wire) is counted as *not acked* and owed nothing.
* **Answered**: an acked command or click is owed an answer (its ack itself, for help, errors,
  unwatch and wake-up; otherwise a post to its response_url). Not owed: when the bot process
  that acked it was SIGKILLed before the answer came (its in-memory job died with it), or when
  the soak expired that response_url on purpose. A SIGTERM owes the answer: the bot finishes
  in-flight work or says it was restarting.
* **Wake-up follow-ups**: a wake-up is *owed* a follow-up once the bot acknowledged it (the ack
  of ``/backup wakeup``; for the Wake up button, the private "waking up" message), because the
  request is in the state file before that is sent. Owed wake-ups get exactly one follow-up, in
  their channel, mentioning the requester (each wake-up comes from a user of its own, so the
  follow-up can be traced to it), whatever restarts happen between. A wake-up whose ack never
  arrived is owed nothing; if a follow-up still comes it is counted as *delivered, not owed*.
  **At-least-once edge** (README, "Limits worth knowing"): a SIGKILL after Slack accepted a
  follow-up and before the bot recorded it makes the next start post it again. A second copy is
  counted as a *crash-edge duplicate* when a SIGKILL came within ``CRASH_EDGE`` seconds after
  the first copy was accepted; any other second copy is a *duplicate* and breaks the invariant.
  Slack delays stay below the bot's Slack timeout, so "Slack timed out on a post it accepted"
  does not arise here.
* **Incidents** (in the configured channel, ``WATCH_CHANNEL_IDS``, which is never unwatched):
  every incident the bot opened is posted once, as a top-level message recorded in its state
  (a top-level incident post Slack has but the state does not is a second copy; within
  ``CRASH_EDGE`` s before a SIGKILL it is the README's crash edge, counted apart). At the end
  the soak clears every condition (enables, backs up and powers on every agent, wakes them,
  stops the faults) and every incident must be resolved: in the state, and in Slack (its
  message edited to "Resolved", one resolution reply in its thread).
* **Block Kit**: ``check_message`` finds nothing in any message Slack accepted.
* **Secrets**: no secret of the run (Slack bot token, signing secret, Rackspace API key and
  password, every Identity token issued) appears in any message or in any of the bot's logs.
* **Process**: every SIGTERM ends the bot within 10 s; peak and final RSS and threads are
  reported (no limit: a soak of minutes is no leak test, the figures are for comparison).

Not covered: PostgreSQL (``STATE_URL``) and several instances; Socket Mode; quiet hours,
reminders and the daily report (switched off to keep incident messages countable); watch
posts in channels that unwatch and re-watch (checked for Block Kit and secrets only).
"""
