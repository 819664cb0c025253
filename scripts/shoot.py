"""Screenshots of GridApp pages as one demo user, at phone (390 px) and desktop (1366 px) widths.

Usage, with the app running (`make run`), from the project root:

    .venv/bin/python scripts/shoot.py --user teacher / /classes/1 --out /tmp/shots

Signs in through /login (password `gridapp-demo` unless --password), saves one PNG per path and
width into --out and prints their names. Uses Playwright with Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import tempfile

from playwright.sync_api import sync_playwright

WIDTHS = {"phone": (390, 844), "desktop": (1366, 768)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    """Parse the arguments, sign in once per width, and save a screenshot of each path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="paths such as / or /classes/1")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", help="a demo login; none for anonymous pages")
    parser.add_argument("--password", default="gridapp-demo")
    parser.add_argument("--out", default=str(pathlib.Path(tempfile.gettempdir()) / "shots"))
    parser.add_argument("--widths", default="phone,desktop")
    parser.add_argument("--full", action="store_true", help="the whole page, not the viewport")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width_name in args.widths.split(","):
            width, height = WIDTHS[width_name]
            context = browser.new_context(
                viewport={"width": width, "height": height},
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
            )
            page = context.new_page()
            if args.user:
                page.goto(f"{args.base}/login")
                page.fill("[name=username]", args.user)
                page.fill("[name=password]", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            for path in args.paths:
                page.goto(args.base + path)
                page.wait_for_load_state("networkidle")
                slug = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
                name = out / f"{args.user or 'anon'}-{slug}-{width}.png"
                page.screenshot(path=str(name), full_page=args.full)
                print(name)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
