"""The training domain's blueprint; its views live in views.py, enrolment_views.py and self_views.py."""

from flask import Blueprint

bp = Blueprint("courses", __name__)
