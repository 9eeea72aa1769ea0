"""Reading a roster CSV (every bad row with its row and column) and merging it (re-import
updates by email, keeps codes and matches, never duplicates)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.steps.roster import api
from cohortbot.playbook.steps.roster.codes import ALPHABET, new_code, normal_code
from cohortbot.playbook.steps.roster.importing import MAX_ROWS
from cohortbot.storage.memory import MemoryStore

COHORTS = [("spring", "Spring 2026"), ("evening", "Evening cohort")]
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
COMMUNITY = CommunityRef(Platform.MEMORY, "c1")


def parse(text: str, cohorts: list[tuple[str, str]] = COHORTS) -> api.Parsed:
    return api.parse_roster(text.encode(), cohorts)


def problems(parsed: api.Parsed) -> list[str]:
    return [str(p) for p in parsed.problems]


def test_a_good_file_in_any_column_order_and_case_with_a_bom() -> None:
    data = "\ufeffEmail,NAME, Cohort ,Handle\nada@example.org,Ada Lovelace,spring,@ada\n".encode()
    parsed = api.parse_roster(data, COHORTS)
    assert problems(parsed) == []
    [entry] = parsed.entries
    assert (entry.row, entry.name, entry.email, entry.handle, entry.cohort) == (
        2,
        "Ada Lovelace",
        "ada@example.org",
        "@ada",
        "spring",
    )


def test_every_malformed_row_is_reported_with_its_row_and_column_and_left_out() -> None:
    parsed = parse(
        "name,email,handle,cohort\n"
        "Ada,ada@example.org,,spring\n"  # row 2: fine
        "Bob,bob@,,\n"  # row 3: bad email
        ",carol@example.org,,\n"  # row 4: no name
        "Dave,dave@example.org,,autumn\n"  # row 5: unknown cohort
        "Ada again,ADA@Example.org,,\n"  # row 6: the same email as row 2, in another case
        "Erin,,,\n"  # row 7: no email
        "Fay,fay@example.org,fay smith,\n"  # row 8: a handle with a space
        "Gus,gus@example.org,,Evening Cohort\n"  # row 9: a cohort by its title
    )
    assert problems(parsed) == [
        "row 3, column email: 'bob@' is not an email address",
        "row 4, column name: empty: every row needs the person's name",
        "row 5, column cohort: no cohort named 'autumn'; the cohorts are: spring, evening",
        "row 6, column email: ada@example.org is already on row 2 of this file",
        "row 7, column email: empty: every row needs an email address",
        "row 8, column handle: 'fay smith' is not a platform handle (no spaces)",
    ]
    assert [(e.row, e.name, e.cohort) for e in parsed.entries] == [
        (2, "Ada", "spring"),
        (9, "Gus", "evening"),
    ]
    assert parsed.rows == 8


def test_row_numbers_are_the_spreadsheet_s_even_with_blank_lines_and_a_cell_on_two_lines() -> None:
    parsed = parse('name,email\n"Ada\nLovelace",ada@example.org\n\nBob,bob@@example.org\n')
    assert problems(parsed) == ["row 4, column email: 'bob@@example.org' is not an email address"]


def test_a_cohort_when_the_playbook_has_none_says_so() -> None:
    parsed = parse("name,email,cohort\nAda,ada@example.org,spring\n", cohorts=[])
    assert problems(parsed) == [
        "row 2, column cohort: no cohort named 'spring'; the playbook has no cohorts (steps.cohorts)"
    ]


def test_a_handle_twice_in_the_file_is_an_error_on_the_second_row() -> None:
    parsed = parse("name,email,handle\nAda,ada@example.org,@Ada\nAlan,alan@example.org,ada\n")
    assert problems(parsed) == ["row 3, column handle: ada is already on row 2 of this file"]


def test_cells_are_bounded() -> None:
    parsed = parse(f"name,email\n{'A' * 201},ada@example.org\nBob,{'b' * 250}@example.org\n")
    assert problems(parsed) == [
        "row 2, column name: longer than 200 characters",
        "row 3, column email: longer than 254 characters",
    ]
    assert parsed.entries == []


def test_other_columns_are_ignored_and_named() -> None:
    parsed = parse("name,email,phone,notes\nAda,ada@example.org,123,x\n")
    assert parsed.ignored == ["phone", "notes"] and len(parsed.entries) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"Ada,ada@example.org\n", "it has no name or email column (found: 'Ada', 'ada@example.org')"),
        (b"name,email,name\n", "the header names column 'name' twice"),
        ("name,email\nJos\u00e9,jose@example.org\n".encode("latin-1"), "the file is not UTF-8 (byte 15)"),
        (b'name,email\n"Ada,ada@example.org\n', "the CSV is malformed"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data: bytes, message: str) -> None:
    with pytest.raises(api.RosterFileError) as raised:
        api.parse_roster(data, COHORTS)
    assert message in str(raised.value)


def test_the_file_size_and_row_count_are_bounded() -> None:
    with pytest.raises(api.RosterFileError, match="may have 4,194,304 at most"):
        api.parse_roster(b"name,email\n" + b"x" * api.MAX_BYTES, COHORTS)
    rows = "".join(f"P{n},p{n}@example.org\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(api.RosterFileError, match="more than 20,000 rows"):
        parse("name,email\n" + rows)


# ---------------------------------------------------------------------------- codes


def test_codes_are_unambiguous_and_typed_in_any_case() -> None:
    assert not set("01ILOUV") & set(ALPHABET)
    code = new_code(set())
    assert len(code) == 9 and code[4] == "-" and set(code.replace("-", "")) <= set(ALPHABET)
    assert normal_code(f"  {code.lower().replace('-', ' ')} ") == code
    assert normal_code(code.replace("-", "")) == code
    assert normal_code("hello there") is None and normal_code("K7QX-M3PD1") is None


def test_a_new_code_is_never_one_already_taken() -> None:
    taken: set[str] = set()
    for _ in range(2000):
        taken.add(new_code(taken))
    assert len(taken) == 2000


# ---------------------------------------------------------------------------- merging


async def merge(store: MemoryStore, text: str, *, now: datetime = NOW) -> api.Merged:
    async with store.unit_of_work() as uow:
        rows = api.store(uow, COMMUNITY)
        merged = await api.merge(rows, parse(text).entries, now=now)
        await rows.flush()
        await uow.commit()
    return merged


async def stored(store: MemoryStore) -> dict[str, api.Row]:
    async with store.read_unit_of_work() as uow:
        return await api.store(uow, COMMUNITY).all_rows()


async def test_a_second_import_updates_by_email_keeps_codes_and_counts_what_it_did() -> None:
    store = MemoryStore()
    first = await merge(
        store, "name,email,cohort\nAda,ada@example.org,spring\nBob,bob@example.org,\nCy,cy@example.org,\n"
    )
    assert (len(first.added), len(first.updated), len(first.unchanged), first.kept) == (3, 0, 0, 0)
    codes = {row.email: row.code for row in (await stored(store)).values()}
    second = await merge(
        store,
        "name,email,cohort\nAda Lovelace,ADA@example.org,spring\nBob,bob@example.org,\nDi,di@example.org,\n",
    )
    assert (len(second.added), len(second.updated), len(second.unchanged), second.kept) == (1, 1, 1, 1)
    rows = {row.email.lower(): row for row in (await stored(store)).values()}
    assert sorted(rows) == ["ada@example.org", "bob@example.org", "cy@example.org", "di@example.org"]
    assert (
        rows["ada@example.org"].name == "Ada Lovelace"
        and rows["ada@example.org"].code == codes["ada@example.org"]
    )
    assert len({row.code for row in rows.values()}) == 4


async def test_a_handle_of_another_stored_row_is_refused() -> None:
    store = MemoryStore()
    await merge(store, "name,email,handle\nAda,ada@example.org,ada\n")
    merged = await merge(store, "name,email,handle\nImpostor,imp@example.org,@ADA\n")
    assert [str(p) for p in merged.problems] == [
        "row 2, column handle: @ADA is on the roster already, for another email"
    ]
    assert len(await stored(store)) == 1


async def test_a_matched_member_whose_cohort_changes_is_left_for_the_step_to_move() -> None:
    store = MemoryStore()
    await merge(store, "name,email,cohort\nAda,ada@example.org,spring\n")
    async with store.unit_of_work() as uow:
        rows = api.store(uow, COMMUNITY)
        found = await rows.by_email("ada@example.org")
        assert found is not None
        rid, row = found
        await rows.put(rid, row.model_copy(update={"member": "u1", "joined_at": NOW, "enrolled": "spring"}))
        await rows.flush()
        await uow.commit()
    await merge(store, "name,email,cohort\nAda,ada@example.org,evening\n")
    [row] = (await stored(store)).values()
    assert (row.cohort, row.member, row.enrolled, row.pending) == ("evening", "u1", "spring", True)


async def test_five_thousand_rows_are_a_few_dozen_documents_and_quick() -> None:
    store = MemoryStore()
    text = "name,email,handle,cohort\n" + "".join(
        f"Person {n},p{n}@example.org,p{n},{'spring' if n % 2 else ''}\n" for n in range(5000)
    )
    began = time.perf_counter()
    merged = await merge(store, text)
    again = await merge(store, text)
    assert time.perf_counter() - began < 10
    assert len(merged.added) == 5000 and len(again.unchanged) == 5000
    async with store.read_unit_of_work() as uow:
        keys = await uow.state.keys(COMMUNITY, "roster.")
    assert len(keys) <= 3 * 64
    async with store.read_unit_of_work() as uow:
        counts = await api.roster_counts(uow, COMMUNITY)
    assert (counts.rows, counts.joined, counts.by_cohort) == (5000, 0, {"": (2500, 0), "spring": (2500, 0)})
