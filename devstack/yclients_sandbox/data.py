"""Deterministic salon data in the shapes (and with the quirks) YClients sends.

Quirks reproduced on purpose: ids and money sometimes strings, `visit_id` a string in lists,
`create_date`/`last_change_date` with offsets without a colon, `date` naive local time,
phone as a number or a formatted string, `client` null for walk-ins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

STAFF = (
    ("Анна Смирнова", "Стилист-парикмахер", "Топ-мастер"),
    ("Мария Кузнецова", "Мастер маникюра", "Мастер"),
    ("Екатерина Попова", "Колорист", "Старший мастер"),
    ("Ольга Васильева", "Мастер педикюра", "Мастер"),
    ("Дарья Морозова", "Бровист", "Мастер"),
    ("Ирина Волкова", "Косметолог", "Старший мастер"),
)
SERVICES = (
    ("Стрижка женская", 2500, 3600),
    ("Стрижка мужская", 1500, 2700),
    ("Окрашивание", 6500, 7200),
    ("Маникюр с покрытием", 2200, 5400),
    ("Педикюр", 2800, 5400),
    ("Укладка", 1800, 2700),
    ("Коррекция бровей", 900, 1800),
    ("Чистка лица", 3500, 3600),
    ("Уход для волос", 2000, 1800),
    ("Снятие покрытия", 500, 900),
)
FIRST_NAMES = (
    "Алина",
    "Виктория",
    "Софья",
    "Полина",
    "Елена",
    "Наталья",
    "Юлия",
    "Ксения",
    "Татьяна",
    "Светлана",
    "Алексей",
    "Дмитрий",
    "Игорь",
    "Марина",
    "Вера",
    "Любовь",
)
SURNAMES = (
    "Иванова",
    "Петрова",
    "Соколова",
    "Лебедева",
    "Козлова",
    "Новикова",
    "Орлова",
    "Андреева",
    "Макарова",
    "Захарова",
    "Зайцева",
    "Павлова",
    "Семёнова",
    "Голубева",
)


def no_colon(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass(slots=True)
class SandboxRecord:
    """A stored booking: the payload as served plus the fields the filters need."""

    id: int
    start: datetime
    last_change: datetime
    deleted: bool
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Catalogue:
    staff: tuple[dict[str, Any], ...]
    services: tuple[tuple[int, str, int, int], ...]
    clients: tuple[dict[str, Any], ...]


def catalogue(company_id: int, seed: int) -> Catalogue:
    rng = random.Random(f"catalogue-{company_id}-{seed}")
    staff = tuple(
        {
            "id": 2_000_000 + company_id % 1000 * 100 + i,
            "api_id": None,
            "name": name,
            "specialization": spec,
            "position": {"id": 10 + i, "title": position},
            "avatar": "https://example.invalid/avatar.png",
            "avatar_big": "https://example.invalid/avatar_big.png",
            "rating": rng.choice((4, 5)),
            "votes_count": rng.randint(3, 80),
        }
        for i, (name, spec, position) in enumerate(STAFF)
    )
    services = tuple(
        (14_000_000 + company_id % 1000 * 100 + i, title, price, length)
        for i, (title, price, length) in enumerate(SERVICES)
    )
    clients = []
    for i in range(700):
        digits = f"79{rng.randint(10**8, 10**9 - 1)}"
        phone: Any = (
            int(digits)
            if rng.random() < 0.4
            else (f"+7 {digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:]}")
        )
        name = rng.choice(FIRST_NAMES)
        surname = rng.choice(SURNAMES)
        clients.append(
            {
                "id": 98_000_000 + company_id % 1000 * 1000 + i,
                "name": name,
                "surname": surname,
                "patronymic": "",
                "display_name": f"{name} {surname}",
                "phone": phone,
                "card": "",
                "email": "",
                "success_visits_count": rng.randint(0, 30),
                "fail_visits_count": rng.randint(0, 3),
                "discount": 0,
                "is_new": False,
                "custom_fields": [],
            }
        )
    return Catalogue(staff, services, tuple(clients))


class RecordFactory:
    """Builds record payloads; also used by the sandbox to create records on request."""

    def __init__(self, company_id: int, seed: int, zone: ZoneInfo) -> None:
        self.company_id = company_id
        self.zone = zone
        self.cat = catalogue(company_id, seed)
        self.next_id = 500_000_000 + company_id % 1000 * 1_000_000
        self.next_visit = 400_000_000 + company_id % 1000 * 1_000_000

    def service_line(self, rng: random.Random, index: int) -> dict[str, Any]:
        sid, title, price, _ = self.cat.services[index]
        discount = rng.choice((0, 0, 0, 0, 5, 10))
        cost = (Decimal(price) * (100 - discount) / 100).quantize(
            Decimal("1"), rounding=ROUND_HALF_UP
        )
        as_text = rng.random() < 0.35
        return {
            "id": str(sid) if as_text else sid,
            "title": title,
            "cost": f"{cost}.00" if as_text else int(cost),
            "cost_to_pay": int(cost),
            "manual_cost": price,
            "cost_per_unit": price,
            "discount": discount,
            "first_cost": f"{price}.00" if as_text else price,
            "amount": 1,
        }

    def build(
        self,
        rng: random.Random,
        *,
        start: datetime,
        staff_index: int,
        service_indexes: list[int],
        client: dict[str, Any] | None,
        attendance: int,
        deleted: bool,
        created: datetime,
        changed: datetime,
        visit_id: int | None = None,
    ) -> SandboxRecord:
        rid = self.next_id
        self.next_id += 1
        if visit_id is None:
            visit_id = self.next_visit
            self.next_visit += 1
        staff = self.cat.staff[staff_index]
        services = [self.service_line(rng, i) for i in service_indexes]
        length = sum(self.cat.services[i][3] for i in service_indexes)
        payload: dict[str, Any] = {
            "id": rid,
            "company_id": self.company_id,
            "staff_id": staff["id"],
            "services": services,
            "goods_transactions": [],
            "staff": staff,
            "client": client,
            "comer": None,
            "clients_count": 1,
            "date": start.strftime("%Y-%m-%d %H:%M:%S"),
            "datetime": start.isoformat(),
            "create_date": no_colon(created),
            "last_change_date": no_colon(changed),
            "comment": "",
            "online": rng.random() < 0.45,
            "visit_attendance": attendance,
            "attendance": attendance,
            "confirmed": 1,
            "seance_length": length,
            "length": length,
            "master_request": int(rng.random() < 0.6),
            "api_id": "",
            "from_url": "",
            # list samples in the docs carry visit_id as a string
            "visit_id": str(visit_id),
            "created_user_id": 0,
            "deleted": deleted,
            "paid_full": int(attendance == 1),
            "prepaid": False,
            "prepaid_confirmed": False,
            "custom_color": "",
            "record_labels": [],
            "activity_id": 0,
            "custom_fields": [],
            "bookform_id": 0,
            "record_from": "",
            "is_mobile": 0,
            "documents": [],
        }
        return SandboxRecord(rid, start, changed, deleted, payload)


def attendance_for(rng: random.Random, start: datetime, now: datetime) -> int:
    if start >= now:
        return 2 if rng.random() < 0.4 else 0
    roll = rng.random()
    if roll < 0.86:
        return 1
    if roll < 0.94:
        return -1
    return 0 if roll < 0.97 else 2


def generate_year(
    *,
    company_id: int,
    seed: int,
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
    now: datetime,
    records_per_day: int,
    deleted_share: float,
) -> tuple[RecordFactory, list[SandboxRecord]]:
    """Bookings for every day in [first_day, last_day], sorted by start then id."""
    rng = random.Random(f"records-{company_id}-{seed}-{first_day}-{last_day}")
    factory = RecordFactory(company_id, seed, zone)
    clients = factory.cat.clients
    regulars = clients[:150]
    records: list[SandboxRecord] = []
    settled = now - timedelta(hours=1)
    day = first_day
    while day <= last_day:
        count = max(0, records_per_day + rng.randint(-records_per_day // 3, records_per_day // 3))
        if day.weekday() == 6:
            count = count * 2 // 3
        slots = sorted(
            (rng.randrange(10 * 4, 20 * 4), rng.randrange(len(STAFF))) for _ in range(count)
        )
        for quarter, staff_index in slots:
            start = datetime.combine(day, time(quarter // 4, quarter % 4 * 15), tzinfo=zone)
            roll = rng.random()
            if roll < 0.05:
                client = None
            elif roll < 0.55:
                client = rng.choice(regulars)
            else:
                client = rng.choice(clients)
            services = [rng.randrange(len(SERVICES))]
            if rng.random() < 0.25:
                services.append(rng.randrange(len(SERVICES)))
            attendance = attendance_for(rng, start, now)
            created = min(start - timedelta(hours=rng.randint(2, 24 * 14)), settled)
            changed = start + timedelta(minutes=rng.randint(30, 240))
            if changed > settled:
                changed = max(created, settled - timedelta(minutes=rng.randint(1, 600)))
            records.append(
                factory.build(
                    rng,
                    start=start,
                    staff_index=staff_index,
                    service_indexes=services,
                    client=client,
                    attendance=attendance,
                    deleted=rng.random() < deleted_share,
                    created=created,
                    changed=changed,
                )
            )
        day += timedelta(days=1)
    records.sort(key=lambda r: (r.start, r.id))
    return factory, records
