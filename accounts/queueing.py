"""Queueing a Celery task by its registered name, for code that the task itself calls.

A tasks module imports the service it runs, at its top; the service queues the task after commit by name, through
task_queue, and never imports the tasks module: so no service and its task import each other, not even from inside
a function. It lives here, in the lowest app, because every app queues work (accounts its invitations) and may import
accounts; it imports nothing of the project (`current_app` is the project's Celery app once Django has started, in
the web process, a worker or a command alike), whereas the project package `config` imports every app through its
URLs.
"""

from celery import current_app
from celery.exceptions import NotRegistered


def task_queue(name, *, args=(), kwargs=None, **options):
    """Queue the task registered as `name` with `args`/`kwargs` and `apply_async` options (countdown, queue, ...):
    to the broker, or run at once in this process when tasks run inline (CELERY_TASK_ALWAYS_EAGER, the embedded
    default). Returns its AsyncResult. Raises NotRegistered for a name no tasks module defines, sending nothing.

    A process may not have imported every tasks module yet (a web process imports none of its own accord). A name
    the registry lacks makes this process import the tasks module of every installed app, Celery's autodiscovery
    that config/celery.py declares and that a worker runs at start: this process then knows what the workers know.
    Not `app.send_task(name)`, which the inline default ignores (the task would wait on the in-memory broker for a
    worker that never comes) and which lets a mistyped name go to the broker; not `import_string(name)`, which holds
    only while a task's name is its module path (a task that moves keeps its name, set with `name=`); not
    `app.loader.import_default_modules()`, the worker's start-up hook, which also sets Django up again (logging
    included) and runs the system checks. So a task is defined in an app's `tasks` module, or imported by it: that is
    where autodiscovery looks, in this process as in a worker (the project sets no CELERY_IMPORTS).

    Callers queue after commit: `transaction.on_commit(lambda: task_queue("app.tasks.name", args=[obj.pk]))`.
    """
    if name not in current_app.tasks:
        current_app.autodiscover_tasks(force=True)
    if name not in current_app.tasks:
        raise NotRegistered(name)
    if kwargs:
        options["kwargs"] = kwargs
    return current_app.tasks[name].apply_async(args=args, **options)
