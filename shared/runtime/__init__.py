"""Running the services: settings, the ASGI apps, workers, the scheduler, jobs and the ``fangfan`` command."""
