"""Code common to the fangfan services: settings, databases, events, auth, audit, time."""
