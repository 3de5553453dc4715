"""The two checklists Sổ Đoàn ships (plan 350-KH/TĐTN-TCKT: inspect how members are developed and managed,
above all the sympathizer classes). Stored text is Vietnamese: it is what inspectors tick and what PDFs print.

Each item: (text, answer_type, weight, note_required_on_fail, guidance).
"""

C, N, T = "choice", "number", "text"

MEMBER_DEVELOPMENT = {
    "title": "Kiểm tra công tác phát triển và quản lý đoàn viên",
    "purpose": ("Kiểm tra việc quản lý đoàn viên, phát triển đoàn viên mới và chất lượng hồ sơ kết nạp tại cơ sở; "
                "khắc phục tình trạng đoàn viên “áo”, bảo đảm mỗi đoàn viên có người, có tên, có tập hợp, "
                "có đóng đoàn phí và tham gia sinh hoạt đầy đủ theo quy định."),
    "sections": [
        ("Sổ sách quản lý đoàn viên", [
            ("Có sổ danh sách đoàn viên, ghi chép đầy đủ, cập nhật thường xuyên", C, 2, True,
             "Đối chiếu sổ với danh sách thực tế của từng chi đoàn."),
            ("Có sổ theo dõi kết nạp đoàn viên và cấp, phát thẻ đoàn viên", C, 2, True, None),
            ("Có sổ theo dõi đoàn viên chuyển sinh hoạt đi, chuyển sinh hoạt đến", C, 2, True, None),
            ("Sổ đoàn viên của từng đoàn viên được quản lý, ghi chép đầy đủ", C, 1, True, None),
        ]),
        ("Quản lý đoàn viên", [
            ("Thực hiện đánh giá, xếp loại đoàn viên hằng năm", C, 2, True, None),
            ("Nắm và theo dõi đoàn viên đang cư trú trên địa bàn, kể cả đoàn viên đi làm ăn xa", C, 2, True, None),
            ("Theo dõi đoàn viên trưởng thành đoàn, xóa tên, khai trừ đúng quy định", C, 1, True, None),
            ("Tổng số đoàn viên trên sổ sách của đơn vị", N, 0, False, None),
            ("Số đoàn viên có mặt, sinh hoạt thực tế tại địa phương", N, 0, False, None),
        ]),
        ("Phát triển đoàn viên", [
            ("Tổ chức lớp bồi dưỡng nhận thức về Đoàn (lớp cảm tình Đoàn) cho thanh niên ưu tú, có danh sách điểm danh",
             C, 2, True, None),
            ("Số lớp cảm tình Đoàn tổ chức trong năm", N, 0, False, None),
            ("Số đoàn viên mới được kết nạp trong năm", N, 0, False, None),
        ]),
        ("Hồ sơ kết nạp đoàn viên", [
            ("Có đơn xin vào Đoàn", C, 1, True, "Kiểm tra ngẫu nhiên một số hồ sơ kết nạp trong năm."),
            ("Có lý lịch của người xin vào Đoàn", C, 1, True, None),
            ("Có giấy chứng nhận đã học lớp cảm tình Đoàn", C, 1, True, None),
            ("Có giấy giới thiệu của đoàn viên đã biết người được giới thiệu ít nhất 3 tháng", C, 1, True, None),
            ("Có biên bản họp chi đoàn xét, biểu quyết đề nghị kết nạp", C, 1, True, None),
            ("Có quyết định kết nạp của cấp có thẩm quyền", C, 1, True, None),
            ("Lễ kết nạp được tổ chức trong vòng một tháng kể từ ngày có quyết định", C, 1, True, None),
            ("Số hồ sơ kết nạp đã kiểm tra", N, 0, False, None),
        ]),
        ("Đoàn phí", [
            ("Thu, nộp đoàn phí đầy đủ, đúng quy định; có sổ theo dõi thu nộp đoàn phí", C, 2, True, None),
            ("Ý kiến khác của đoàn kiểm tra", T, 0, False, None),
        ]),
    ],
}

CLASS_SUPERVISION = {
    "title": "Giám sát lớp bồi dưỡng nhận thức về Đoàn (lớp cảm tình Đoàn)",
    "purpose": "Giám sát việc tổ chức lớp cảm tình Đoàn nhằm nâng cao chất lượng kết nạp đoàn viên mới.",
    "sections": [
        ("Tổ chức lớp học", [
            ("Có kế hoạch hoặc quyết định mở lớp", C, 1, True, None),
            ("Có danh sách học viên và điểm danh từng buổi học", C, 2, True, None),
            ("Số học viên tham gia lớp học", N, 0, False, None),
        ]),
        ("Nội dung và thời lượng", [
            ("Giảng dạy đủ nội dung chương trình bồi dưỡng nhận thức về Đoàn", C, 2, True, None),
            ("Bảo đảm thời lượng học theo quy định", C, 2, True, None),
            ("Báo cáo viên đúng tiêu chuẩn", C, 1, True, None),
        ]),
        ("Kết quả lớp học", [
            ("Thu bài thu hoạch của học viên", C, 2, True, None),
            ("Cấp giấy chứng nhận cho học viên hoàn thành lớp học", C, 2, True, None),
            ("Số giấy chứng nhận đã cấp", N, 0, False, None),
            ("Nhận xét chung về lớp học", T, 0, False, None),
        ]),
    ],
}

BUILTIN = {"member_development": MEMBER_DEVELOPMENT, "class_supervision": CLASS_SUPERVISION}

# Number items whose value the records already hold: pre-filled on the record page (editable; a different answer is
# shown with the difference). Keyed by the item's text, which copies of a version keep.
RECORD_SOURCES = {
    "Tổng số đoàn viên trên sổ sách của đơn vị": "members_on_roll",
    "Số đoàn viên có mặt, sinh hoạt thực tế tại địa phương": "members_real",
}
