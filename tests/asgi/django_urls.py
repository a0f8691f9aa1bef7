"""The URLconf of the Django tests (tests/asgi/test_wsgi_frameworks.py and
test_asgi_frameworks.py), which configure Django with ROOT_URLCONF set to
this module."""
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


def hello(request, name):
    return JsonResponse({'name': name, 'x': request.GET.get('x'), 'path': request.path})


@csrf_exempt
def echo(request):
    return HttpResponse(b'echo: ' + request.body, content_type='text/plain')


urlpatterns = [
    path('hello/<str:name>/', hello),
    path('echo/', echo),
]
