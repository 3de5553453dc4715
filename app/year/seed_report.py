"""Demo yearly reports (runs after the members', the units' and every other domain's seeds: it reads their records).

- Last year, the province's report (from its Ban Tổ chức – Kiểm tra, "45-BC/TĐTN-BTCKT") submitted in January, its
  narrative quoting the figures computed from the records; a district's report (the commune of the demo's "xa"
  accounts where the province has no district) and that commune's report submitted too, so the level above shows a
  child's report and the consolidated view.
- This year, the province's report as a draft (the results written, the rest still to do).

Written through the report's services (the same path as the pages, one version each, audited), by the demo's officers.
"""
from datetime import date, datetime

from flask_babel import format_decimal
from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..units.models import Unit
from . import figures
from .services import report as services


def _officer(prefix):
    return db.session.scalar(select(User).where(User.username == f"{prefix}.officer"))


def _n(rows, code):
    row = rows.get(code)
    value = row.get("value") if row else None
    return format_decimal(value or 0)


def _province_text(rows, year):
    results = "\n".join((
        f"Năm {year}, Ban Thường vụ Tỉnh đoàn đã chỉ đạo các cấp bộ Đoàn triển khai đồng bộ kế hoạch củng cố, kiện "
        f"toàn tổ chức cơ sở Đoàn, gắn với rà soát đoàn viên, hội viên, thanh niên tháng 3 và đánh giá, xếp loại "
        f"chất lượng đoàn viên cuối năm.",
        f"Toàn tỉnh kết nạp {_n(rows, 'moves.joined')} đoàn viên mới; {_n(rows, 'training.graduates')} thanh niên hoàn "
        f"thành lớp cảm tình Đoàn; cuối năm có {_n(rows, 'members.end.union')} đoàn viên trong sổ.",
        f"Công tác kiểm tra, giám sát được duy trì với {_n(rows, 'insp.planned')} cuộc kiểm tra; các thiếu sót phát "
        f"hiện đều được giao khắc phục và theo dõi đến khi hoàn thành.",
        "Các cơ sở yếu kém được các huyện đoàn, Đoàn xã lập kế hoạch củng cố, giao biện pháp cụ thể, người chịu trách "
        "nhiệm và thời hạn thực hiện.",
    ))
    shortcomings = "\n".join((
        "Một số chi đoàn thôn sinh hoạt chưa đều, tỷ lệ đoàn viên đi làm ăn xa cao nên khó tập hợp.",
        "Việc cập nhật biến động đoàn viên ở một số cơ sở còn chậm; thu đoàn phí chưa đạt yêu cầu.",
        "Nguyên nhân: cán bộ Đoàn cơ sở thường xuyên thay đổi, chưa được tập huấn kịp thời; một số cấp ủy chưa quan "
        "tâm đúng mức đến công tác xây dựng tổ chức Đoàn.",
    ))
    tasks = "\n".join((
        f"Tiếp tục củng cố các cơ sở Đoàn yếu kém, phấn đấu trong năm {year + 1} không còn cơ sở yếu kém kéo dài.",
        "Hoàn thành rà soát đoàn viên, hội viên, thanh niên tháng 3; đối chiếu và cập nhật sổ đoàn viên kịp thời.",
        "Mở lớp tập huấn nghiệp vụ cho bí thư, phó bí thư chi đoàn mới kiện toàn.",
    ))
    return {"results": results, "shortcomings": shortcomings, "tasks": tasks}


def _unit_text(unit, rows, year):
    return {
        "results": "\n".join((
            f"Năm {year}, {unit.name} đã triển khai kế hoạch công tác xây dựng tổ chức Đoàn theo hướng dẫn của cấp trên.",
            f"Kết nạp {_n(rows, 'moves.joined')} đoàn viên mới; cuối năm có {_n(rows, 'members.end.union')} đoàn viên "
            f"trong sổ; tổ chức {_n(rows, 'training.sympathizer_classes')} lớp cảm tình Đoàn.",
        )),
        "shortcomings": "Một số chi đoàn sinh hoạt chưa đều; đoàn viên đi làm ăn xa nhiều, khó tập hợp.",
        "tasks": f"Củng cố chi đoàn yếu kém; hoàn thành rà soát đoàn viên tháng 3 năm {year + 1}.",
    }


def _submit(unit, year, text, document, by, on):
    report, _created = services.start_report(unit=unit, year=year, fields=dict(text, **document), by=by)
    version = services.submit_report(report=report, expected_version=None, form_token=None, by=by, today=on)
    version.submitted_at = datetime(on.year, on.month, on.day, 2, 30)  # in January, as the report is sent
    return report, version


def seed(*, province, communes, size, rng):
    this_year = date.today().year
    last = this_year - 1
    sent_on = date(this_year, 1, 15)
    tinh = _officer("tinh")
    rows = figures.rows_by_code(figures.compute(province, last, date.today()))
    place = province.place_name
    _submit(province, last, _province_text(rows, last), {
        "doc_number": "45-BC/TĐTN-BTCKT", "place": place, "signer_post": "PHÓ BÍ THƯ", "signer_name": "Lê Thị Hương",
        "recipients": "\n".join(("Ban Thường vụ Tỉnh ủy (để báo cáo)", "Ban Tổ chức Tỉnh ủy (để báo cáo)",
                                 "Ban Thường vụ Trung ương Đoàn (để báo cáo)", "Thường trực Tỉnh đoàn",
                                 "Lưu VP, BTC-KT"))}, tinh, sent_on)
    said = [f"{province.name} {last} submitted"]
    # a district's report (the demo's first district; where the province has none, the "xa" accounts' commune) …
    district = db.session.scalar(select(Unit).where(Unit.level == "district", Unit.parent_id == province.id)
                                 .order_by(Unit.id).limit(1))
    commune = next((c for c in communes if district is not None and c.parent_id == district.id), communes[0])
    for unit, prefix, number in ((district, "huyen", "18-BC/HĐTN"), (commune, "xa", "07-BC/ĐTN")):
        if unit is None:
            continue
        unit_rows = figures.rows_by_code(figures.compute(unit, last, date.today()))
        above = unit.parent.name if unit.parent is not None else province.name
        _submit(unit, last, _unit_text(unit, unit_rows, last), {
            "doc_number": number, "place": unit.place_name, "signer_post": "BÍ THƯ",
            "signer_name": "Nguyễn Văn Thành" if prefix == "huyen" else "Trần Thị Mai",
            "recipients": f"Ban Thường vụ {above} (để báo cáo)\nLưu VP"}, _officer(prefix) or tinh, date(this_year, 1, 10))
        said.append(f"{unit.name} {last} submitted")
    # … and this year's province report, a draft
    services.start_report(unit=province, year=this_year, by=tinh, fields={
        "results": f"Năm {this_year}, các cấp bộ Đoàn tiếp tục thực hiện kế hoạch củng cố tổ chức cơ sở Đoàn "
                   f"(đang cập nhật số liệu cuối năm).",
        "place": place, "signer_post": "PHÓ BÍ THƯ",
        "recipients": "Ban Thường vụ Tỉnh ủy (để báo cáo)\nBan Thường vụ Trung ương Đoàn (để báo cáo)\nLưu VP, BTC-KT"})
    db.session.flush()
    return "reports: " + ", ".join(said) + f", {province.name} {this_year} draft"
