"""The review app's routes, one module per concern, included by
:func:`vaxmix.store.app.create_app`.

Each module has a ``router(...)`` factory that takes what its routes need explicitly (the
:class:`~vaxmix.store.routes.common.Web` context, the :class:`~vaxmix.store.routes.deps.Auth`
dependencies, the :class:`~vaxmix.store.routes.signin.SignIn` checker): no module-level state,
so two apps on two registries never share anything.

* ``site``: favicon and ``/openapi.json`` (signed-in users only)
* ``auth``: sign in and out, the account page and password change
* ``patients``: the patients list and a patient
* ``runs``: a run's candidates, two runs compared, exports, the report and run files
* ``candidates``: a candidate and its review form
* ``designs``: a new design, a design (edit), approval after a confirmation page
* ``admin``: users and their live sessions, the audit log
* :mod:`vaxmix.store.api`: the JSON API under ``/api``
"""
