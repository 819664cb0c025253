"""The floor: a bare Flask view returning a fixed 2 KB page, served the same way as GridApp."""

from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><html><body>" + ("<p>家校协同育人平台</p>" * 100)[:2000] + "</body></html>"


@app.get("/")
def index():
    return PAGE
