"""100 real parallel booking requests at one slot of capacity 3, against a live server on
127.0.0.1: exactly 3 bookings, 97 clear "full" answers, no 500."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from gridapp.config import TestConfig
from gridapp.extensions import db
from gridapp.reception.models import Booking, BookingStatus, ReceptionSlot
from tests.live import serve

pytestmark = pytest.mark.live

REQUESTS, CAPACITY = 100, 3


class RaceConfig(TestConfig):
    RECEPTION_GUEST_RATE_LIMIT = "100000 per hour"


@pytest.fixture
def server(app, world):
    with serve(RaceConfig) as port:
        yield port


def test_100_parallel_bookings_of_a_slot_of_3(app, world, server):
    with app.app_context():
        slot = db.session.get(ReceptionSlot, world.slot)
        slot.capacity = CAPACITY
        db.session.commit()
    barrier = threading.Barrier(20)

    def send(i: int) -> tuple[int, str]:
        body = urllib.parse.urlencode(
            {
                "topic": "校车路线",
                "guest_name": f"家长{i:03d}",
                "guest_mobile": f"139{i:08d}",
                "guest_class": "三年级（1）班",
                "token": f"race-{i}",
            }
        )
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        try:
            if i < 20:
                barrier.wait(timeout=10)  # the first twenty leave together
            conn.request(
                "POST", f"/reception/slots/{world.slot}", body,
                {"Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            r = conn.getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(REQUESTS)))
    elapsed = time.monotonic() - started
    statuses = [s for s, _b in results]
    counts = {s: statuses.count(s) for s in set(statuses)}
    assert counts == {303: CAPACITY, 409: REQUESTS - CAPACITY}, counts
    assert all("已约满" in body for s, body in results if s == 409)
    with app.app_context():
        booked = db.session.scalar(
            select(func.count(Booking.id)).where(
                Booking.slot_id == world.slot, Booking.status == BookingStatus.BOOKED
            )
        )
        assert booked == CAPACITY
        assert db.session.get(ReceptionSlot, world.slot).booked == CAPACITY
    print(f"\n{REQUESTS} parallel bookings in {elapsed:.2f}s: {counts}")
