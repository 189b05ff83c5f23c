"""The 400 page: a query the board cannot answer says which parameter and why; any other bad request (a forged
host, a broken upload) says no more than "bad request", since its message may describe the server."""

from django.shortcuts import render

from .access import QueryError


def bad_request(request, exception):
    reason = str(exception) if isinstance(exception, QueryError) else ""
    return render(request, "400.html", {"reason": reason}, status=400)
