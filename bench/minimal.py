"""The issue's reference page: bare Flask listing 50 rows through the ORM with a cached template.

No login, layout, CSRF or permissions: what the stack costs for one ORM query and one render.
The class page must reach 80 % of this page's speed (0.15 of the floor where this page reaches
about 0.19). It reads the demo database that `make bench` builds (GRIDAPP_INSTANCE).
"""

import os
from pathlib import Path

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

INSTANCE = Path(os.environ["GRIDAPP_INSTANCE"])
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{INSTANCE / 'gridapp.db'}"
app.jinja_loader = DictLoader(
    {
        "list.html": "<!doctype html><html><body><table>"
        "{% for s in students %}<tr><td>{{ s.student_number }}</td><td>{{ s.name }}</td>"
        "<td>{{ s.community }}</td></tr>{% endfor %}</table></body></html>"
    }
)
db = SQLAlchemy(app)


class Student(db.Model):
    __tablename__ = "students"
    id: Mapped[int] = mapped_column(primary_key=True)
    student_number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    community: Mapped[str] = mapped_column(String(100))


@app.get("/")
def index():
    students = db.session.scalars(select(Student).order_by(Student.id).limit(50)).all()
    return render_template("list.html", students=students)
