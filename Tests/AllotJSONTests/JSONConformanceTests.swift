import AllotJSON
import Testing

/// Accept/reject cases in the spirit of JSONTestSuite (github.com/nst/JSONTestSuite): `y_` must parse, `n_` must
/// be rejected. Inputs are raw bytes so that malformed UTF-8 can be expressed.
struct JSONConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }

        init(_ name: String, _ text: String) {
            self.name = name
            self.bytes = Array(text.utf8)
        }

        init(_ name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }

        /// `text` with `prefix` and `suffix` around raw bytes.
        init(_ name: String, _ prefix: String, _ raw: [UInt8], _ suffix: String) {
            self.name = name
            self.bytes = Array(prefix.utf8) + raw + Array(suffix.utf8)
        }
    }

    static let accepted: [(Case, JSONValue)] = [
        (Case("y_array_arraysWithSpaces", "[[]   ]"), [[]]),
        (Case("y_array_empty", "[]"), []),
        (Case("y_array_empty-string", "[\"\"]"), [""]),
        (Case("y_array_ending_with_newline", "[\"a\"]\n"), ["a"]),
        (Case("y_array_false", "[false]"), [false]),
        (Case("y_array_heterogeneous", "[null, 1, \"1\", {}]"), [nil, 1, "1", [:]]),
        (Case("y_array_null", "[null]"), [nil]),
        (Case("y_array_with_1_and_newline", "[1\n]"), [1]),
        (Case("y_array_with_leading_space", " [1]"), [1]),
        (Case("y_array_with_several_null", "[1,null,null,null,2]"), [1, nil, nil, nil, 2]),
        (Case("y_array_with_trailing_space", "[2] "), [2]),
        (Case("y_number", "[123e65]"), [123e65]),
        (Case("y_number_0e+1", "[0e+1]"), [0]),
        (Case("y_number_0e1", "[0e1]"), [0]),
        (Case("y_number_after_space", "[ 4]"), [4]),
        (
            Case(
                "y_number_double_close_to_zero",
                "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]"), [-1e-78]
        ),
        (Case("y_number_int_with_exp", "[20e1]"), [200]),
        (Case("y_number_minus_zero", "[-0]"), [.number(-0.0)]),
        (Case("y_number_negative_int", "[-123]"), [-123]),
        (Case("y_number_negative_one", "[-1]"), [-1]),
        (Case("y_number_negative_zero", "[-0]"), [.number(-0.0)]),
        (Case("y_number_real_capital_e", "[1E22]"), [1e22]),
        (Case("y_number_real_capital_e_neg_exp", "[1E-2]"), [0.01]),
        (Case("y_number_real_capital_e_pos_exp", "[1E+2]"), [100]),
        (Case("y_number_real_exponent", "[123e45]"), [123e45]),
        (Case("y_number_real_fraction_exponent", "[123.456e78]"), [123.456e78]),
        (Case("y_number_real_neg_exp", "[1e-2]"), [0.01]),
        (Case("y_number_real_pos_exponent", "[1e+2]"), [100]),
        (Case("y_number_simple_int", "[123]"), [123]),
        (Case("y_number_simple_real", "[123.456789]"), [123.456789]),
        (Case("y_object", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}"), ["asd": "sdf", "dfg": "fgh"]),
        (Case("y_object_basic", "{\"asd\":\"sdf\"}"), ["asd": "sdf"]),
        (Case("y_object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}"), ["a": "c"]),
        (Case("y_object_duplicated_key_and_value", "{\"a\":\"b\",\"a\":\"b\"}"), ["a": "b"]),
        (Case("y_object_empty", "{}"), [:]),
        (Case("y_object_empty_key", "{\"\":0}"), ["": 0]),
        (Case("y_object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}"), ["foo\u{0}bar": 42]),
        (Case("y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }"), ["min": -1e28, "max": 1e28]),
        (
            Case(
                "y_object_long_strings",
                "{\"x\":[{\"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}], \"id\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}"
            ),
            [
                "x": [["id": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]],
                "id": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            ]
        ),
        (Case("y_object_simple", "{\"a\":[]}"), ["a": []]),
        (
            Case(
                "y_object_string_unicode",
                "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \\u0417\\u0435\\u043c\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430\" }"
            ), ["title": "Полтора Землекопа"]
        ),
        (Case("y_object_with_newlines", "{\n\"a\": \"b\"\n}"), ["a": "b"]),
        (Case("y_string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]"), ["\u{60}\u{12a}\u{12AB}"]),
        (Case("y_string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]"), ["\u{10437}"]),
        (Case("y_string_accepted_surrogate_pairs", "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]"), ["\u{1F639}\u{1F48D}"]),
        (Case("y_string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"), ["\"\\/\u{8}\u{c}\n\r\t"]),
        (Case("y_string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]"), ["\\u0000"]),
        (Case("y_string_backslash_doublequotes", "[\"\\\"\"]"), ["\""]),
        (Case("y_string_comments", "[\"a/*b*/c/*d//e\"]"), ["a/*b*/c/*d//e"]),
        (Case("y_string_double_escape_a", "[\"\\\\a\"]"), ["\\a"]),
        (Case("y_string_double_escape_n", "[\"\\\\n\"]"), ["\\n"]),
        (Case("y_string_escaped_control_character", "[\"\\u0012\"]"), ["\u{12}"]),
        (Case("y_string_escaped_noncharacter", "[\"\\uFFFF\"]"), ["\u{FFFF}"]),
        (Case("y_string_in_array", "[\"asd\"]"), ["asd"]),
        (Case("y_string_in_array_with_leading_space", "[ \"asd\"]"), ["asd"]),
        (Case("y_string_last_surrogates_1_and_2", "[\"\\uDBFF\\uDFFF\"]"), ["\u{10FFFF}"]),
        (Case("y_string_nbsp_uescaped", "[\"new\\u00A0line\"]"), ["new\u{A0}line"]),
        (Case("y_string_nonCharacterInUTF-8_U+10FFFF", "[\"\u{10FFFF}\"]"), ["\u{10FFFF}"]),
        (Case("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\u{FFFF}\"]"), ["\u{FFFF}"]),
        (Case("y_string_null_escape", "[\"\\u0000\"]"), ["\u{0}"]),
        (Case("y_string_one-byte-utf-8", "[\"\\u002c\"]"), [","]),
        (Case("y_string_pi", "[\"π\"]"), ["π"]),
        (Case("y_string_reservedCharacterInUTF-8_U+1BFFF", "[\"\u{1BFFF}\"]"), ["\u{1BFFF}"]),
        (Case("y_string_simple_ascii", "[\"asd \"]"), ["asd "]),
        (Case("y_string_space", "\" \""), " "),
        (Case("y_string_surrogates_U+1D11E_MUSICAL_SYMBOL_G_CLEF", "[\"\\uD834\\uDd1e\"]"), ["\u{1D11E}"]),
        (Case("y_string_three-byte-utf-8", "[\"\\u0821\"]"), ["\u{821}"]),
        (Case("y_string_two-byte-utf-8", "[\"\\u0123\"]"), ["\u{123}"]),
        (Case("y_string_u+2028_line_sep", "[\"\u{2028}\"]"), ["\u{2028}"]),
        (Case("y_string_u+2029_par_sep", "[\"\u{2029}\"]"), ["\u{2029}"]),
        (Case("y_string_uEscape", "[\"\\u0061\\u30af\\u30EA\\u30b9\"]"), ["aクリス"]),
        (Case("y_string_uescaped_newline", "[\"new\\u000Aline\"]"), ["new\nline"]),
        (Case("y_string_unescaped_char_delete", "[\"\u{7F}\"]"), ["\u{7F}"]),
        (Case("y_string_unicode_2", "[\"⍂㈴⍂\"]"), ["⍂㈴⍂"]),
        (Case("y_string_unicodeEscapedBackslash", "[\"\\u005C\"]"), ["\\"]),
        (Case("y_string_utf8", "[\"€𝄞\"]"), ["€𝄞"]),
        (Case("y_string_with_del_character", "[\"a\u{7F}a\"]"), ["a\u{7F}a"]),
        (Case("y_structure_lonely_false", "false"), false),
        (Case("y_structure_lonely_int", "42"), 42),
        (Case("y_structure_lonely_negative_real", "-0.1"), -0.1),
        (Case("y_structure_lonely_null", "null"), nil),
        (Case("y_structure_lonely_string", "\"asd\""), "asd"),
        (Case("y_structure_lonely_true", "true"), true),
        (Case("y_structure_string_empty", "\"\""), ""),
        (Case("y_structure_trailing_newline", "[\"a\"]\n"), ["a"]),
        (Case("y_structure_true_in_array", "[true]"), [true]),
        (Case("y_structure_whitespace_array", " [] "), []),
        (
            Case(
                "allot_route_request",
                "{\"op\":\"route\",\"id\":7,\"text\":\"2+2?\",\"signals\":{\"probe_entropy\":0.4},\"explain\":false}"),
            ["op": "route", "id": 7, "text": "2+2?", "signals": ["probe_entropy": 0.4], "explain": false]
        ),
        (Case("allot_escape_then_utf8", "\"a\\n\u{e9}\u{1F600}\\t\""), "a\n\u{e9}\u{1F600}\t"),
        (Case("allot_long_ascii_then_escape", "\"0123456789abcdef0123456789\\\"x\""), "0123456789abcdef0123456789\"x"),
        (
            Case("allot_escape_then_long_runs", "\"\\n0123456789abcdef\u{e9}0123456789\\t0123456789abcdef\\u00e9xyz\""),
            "\n0123456789abcdef\u{e9}0123456789\t0123456789abcdef\u{e9}xyz"
        ),
        (Case("allot_number_huge_overflows_to_inf", "[1e400, -1e400]"), [.number(.infinity), .number(-.infinity)]),
        (Case("allot_number_tiny_underflows_to_zero", "[1e-400]"), [0]),
        (Case("allot_number_2^53+1", "9007199254740993"), 9_007_199_254_740_992),
        (Case("allot_number_many_digits", "0.30000000000000000000000000000001"), 0.3),
    ]

    static let rejected: [Case] = [
        Case("n_array_1_true_without_comma", "[1 true]"),
        Case("n_array_a_invalid_utf8", "[", [0xFF], "]"),
        Case("n_array_colon_instead_of_comma", "[\"\": 1]"),
        Case("n_array_comma_after_close", "[\"\"],"),
        Case("n_array_comma_and_number", "[,1]"),
        Case("n_array_double_comma", "[1,,2]"),
        Case("n_array_double_extra_comma", "[\"x\",,]"),
        Case("n_array_extra_close", "[\"x\"]]"),
        Case("n_array_extra_comma", "[\"\",]"),
        Case("n_array_incomplete", "[\"x\""),
        Case("n_array_incomplete_invalid_value", "[x"),
        Case("n_array_inner_array_no_comma", "[3[4]]"),
        Case("n_array_invalid_utf8", "[", [0xFF], "]"),
        Case("n_array_items_separated_by_semicolon", "[1:2]"),
        Case("n_array_just_comma", "[,]"),
        Case("n_array_just_minus", "[-]"),
        Case("n_array_missing_value", "[   , \"\"]"),
        Case("n_array_newlines_unclosed", "[\"a\",\n4\n,1,"),
        Case("n_array_number_and_comma", "[1,]"),
        Case("n_array_number_and_several_commas", "[1,,]"),
        Case("n_array_spaces_vertical_tab_formfeed", "[\"\u{0B}a\"\\f]"),
        Case("n_array_star_inside", "[*]"),
        Case("n_array_unclosed", "[\"\""),
        Case("n_array_unclosed_trailing_comma", "[1,"),
        Case("n_array_unclosed_with_new_lines", "[1,\n1\n,1"),
        Case("n_array_unclosed_with_object_inside", "[{}"),
        Case("n_incomplete_false", "[fals]"),
        Case("n_incomplete_null", "[nul]"),
        Case("n_incomplete_true", "[tru]"),
        Case("n_multidigit_number_then_00", "123\u{0}"),
        Case("n_number_++", "[++1234]"),
        Case("n_number_+1", "[+1]"),
        Case("n_number_+Inf", "[+Inf]"),
        Case("n_number_-01", "[-01]"),
        Case("n_number_-1.0.", "[-1.0.]"),
        Case("n_number_-2.", "[-2.]"),
        Case("n_number_-NaN", "[-NaN]"),
        Case("n_number_.-1", "[.-1]"),
        Case("n_number_.2e-3", "[.2e-3]"),
        Case("n_number_0.1.2", "[0.1.2]"),
        Case("n_number_0.3e+", "[0.3e+]"),
        Case("n_number_0.3e", "[0.3e]"),
        Case("n_number_0.e1", "[0.e1]"),
        Case("n_number_0_capital_E+", "[0E+]"),
        Case("n_number_0_capital_E", "[0E]"),
        Case("n_number_0e+", "[0e+]"),
        Case("n_number_0e", "[0e]"),
        Case("n_number_1.0e+", "[1.0e+]"),
        Case("n_number_1.0e-", "[1.0e-]"),
        Case("n_number_1.0e", "[1.0e]"),
        Case("n_number_1_000", "[1 000.0]"),
        Case("n_number_1eE2", "[1eE2]"),
        Case("n_number_2.e+3", "[2.e+3]"),
        Case("n_number_2.e-3", "[2.e-3]"),
        Case("n_number_2.e3", "[2.e3]"),
        Case("n_number_9.e+", "[9.e+]"),
        Case("n_number_Inf", "[Inf]"),
        Case("n_number_NaN", "[NaN]"),
        Case("n_number_U+FF11_fullwidth_digit_one", "[\u{FF11}]"),
        Case("n_number_expression", "[1+2]"),
        Case("n_number_hex_1_digit", "[0x1]"),
        Case("n_number_hex_2_digits", "[0x42]"),
        Case("n_number_infinity", "[Infinity]"),
        Case("n_number_invalid+-", "[0e+-1]"),
        Case("n_number_invalid-negative-real", "[-123.123foo]"),
        Case("n_number_minus_infinity", "[-Infinity]"),
        Case("n_number_minus_sign_with_trailing_garbage", "[-foo]"),
        Case("n_number_minus_space_1", "[- 1]"),
        Case("n_number_neg_int_starting_with_zero", "[-012]"),
        Case("n_number_neg_real_without_int_part", "[-.123]"),
        Case("n_number_neg_with_garbage_at_end", "[-1x]"),
        Case("n_number_real_garbage_after_e", "[1ea]"),
        Case("n_number_real_with_invalid_utf8_after_e", "[1e", [0xE5], "]"),
        Case("n_number_real_without_fractional_part", "[1.]"),
        Case("n_number_starting_with_dot", "[.123]"),
        Case("n_number_with_alpha", "[1.2a-3]"),
        Case("n_number_with_leading_zero", "[012]"),
        Case("n_object_bad_value", "[\"x\", truth]"),
        Case("n_object_bracket_key", "{[: \"x\"}"),
        Case("n_object_comma_instead_of_colon", "{\"x\", null}"),
        Case("n_object_double_colon", "{\"x\"::\"b\"}"),
        Case("n_object_emoji", "{\u{1F1E8}\u{1F1ED}}"),
        Case("n_object_garbage_at_end", "{\"a\":\"a\" 123}"),
        Case("n_object_key_with_single_quotes", "{key: 'value'}"),
        Case("n_object_missing_colon", "{\"a\" b}"),
        Case("n_object_missing_key", "{:\"b\"}"),
        Case("n_object_missing_semicolon", "{\"a\" \"b\"}"),
        Case("n_object_missing_value", "{\"a\":"),
        Case("n_object_no-colon", "{\"a\""),
        Case("n_object_non_string_key", "{1:1}"),
        Case("n_object_repeated_null_null", "{null:null,null:null}"),
        Case("n_object_several_trailing_commas", "{\"id\":0,,,,,}"),
        Case("n_object_single_quote", "{'a':0}"),
        Case("n_object_trailing_comma", "{\"id\":0,}"),
        Case("n_object_trailing_comment", "{\"a\":\"b\"}/**/"),
        Case("n_object_trailing_comment_slash_open", "{\"a\":\"b\"}//"),
        Case("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}"),
        Case("n_object_unquoted_key", "{a: \"b\"}"),
        Case("n_object_unterminated-value", "{\"a\":\"a"),
        Case("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }"),
        Case("n_object_with_trailing_garbage", "{\"a\":\"b\"}#"),
        Case("n_single_space", " "),
        Case("n_string_1_surrogate_then_escape", "[\"\\uD800\\\"]"),
        Case("n_string_1_surrogate_then_escape_u", "[\"\\uD800\\u\"]"),
        Case("n_string_1_surrogate_then_escape_u1", "[\"\\uD800\\u1\"]"),
        Case("n_string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]"),
        Case("n_string_accentuated_char_no_quotes", "[\u{e9}]"),
        Case("n_string_backslash_00", "[\"\\", [0x00], "\"]"),
        Case("n_string_escape_x", "[\"\\x00\"]"),
        Case("n_string_escaped_backslash_bad", "[\"\\\\\\\"]"),
        Case("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]"),
        Case("n_string_escaped_emoji", "[\"\\\u{1F300}\"]"),
        Case("n_string_incomplete_escape", "[\"\\\"]"),
        Case("n_string_incomplete_escaped_character", "[\"\\u00A\"]"),
        Case("n_string_incomplete_surrogate", "[\"\\uD834\\uDd\"]"),
        Case("n_string_incomplete_surrogate_escape_invalid", "[\"\\uD800\\uD800\\x\"]"),
        Case("n_string_invalid-utf-8-in-escape", "[\"\\u", [0xE5], "\"]"),
        Case("n_string_invalid_backslash_esc", "[\"\\a\"]"),
        Case("n_string_invalid_unicode_escape", "[\"\\uqqqq\"]"),
        Case("n_string_invalid_utf8_after_escape", "[\"\\", [0xE5], "\"]"),
        Case("n_string_leading_uescaped_thinspace", "[\\u0020\"asd\"]"),
        Case("n_string_no_quotes_with_bad_escape", "[\\n]"),
        Case("n_string_single_doublequote", "\""),
        Case("n_string_single_quote", "['single quote']"),
        Case("n_string_single_string_no_double_quotes", "abc"),
        Case("n_string_start_escape_unclosed", "[\"\\"),
        Case("n_string_unescaped_ctrl_char", "[\"a", [0x00], "a\"]"),
        Case("n_string_unescaped_newline", "[\"new\nline\"]"),
        Case("n_string_unescaped_tab", "[\"\t\"]"),
        Case("n_string_unicode_CapitalU", "\"\\UA66D\""),
        Case("n_string_with_trailing_garbage", "\"\"x"),
        Case("n_structure_U+2060_word_joined", "[\u{2060}]"),
        Case("n_structure_UTF8_BOM_no_data", bytes: [0xEF, 0xBB, 0xBF]),
        Case("n_structure_UTF8_BOM_value", "", [0xEF, 0xBB, 0xBF], "{}"),
        Case("n_structure_angle_bracket_.", "<.>"),
        Case("n_structure_angle_bracket_null", "[<null>]"),
        Case("n_structure_array_trailing_garbage", "[1]x"),
        Case("n_structure_array_with_extra_array_close", "[1]]"),
        Case("n_structure_array_with_unclosed_string", "[\"asd]"),
        Case("n_structure_ascii-unicode-identifier", "a\u{e5}"),
        Case("n_structure_capitalized_True", "[True]"),
        Case("n_structure_close_unopened_array", "1]"),
        Case("n_structure_comma_instead_of_closing_brace", "{\"x\": true,"),
        Case("n_structure_double_array", "[][]"),
        Case("n_structure_end_array", "]"),
        Case("n_structure_lone-open-bracket", "["),
        Case("n_structure_no_data", ""),
        Case("n_structure_null-byte-outside-string", "[", [0x00], "]"),
        Case("n_structure_number_with_trailing_garbage", "2@"),
        Case("n_structure_object_followed_by_closing_object", "{}}"),
        Case("n_structure_object_unclosed_no_value", "{\"\":"),
        Case("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}"),
        Case("n_structure_object_with_trailing_garbage", "{\"a\": true} \"x\""),
        Case("n_structure_open_array_apostrophe", "['"),
        Case("n_structure_open_array_comma", "[,"),
        Case("n_structure_open_array_open_object", "[{"),
        Case("n_structure_open_array_open_string", "[\"a"),
        Case("n_structure_open_array_string", "[\"a\""),
        Case("n_structure_open_object", "{"),
        Case("n_structure_open_object_close_array", "{]"),
        Case("n_structure_open_object_comma", "{,"),
        Case("n_structure_open_object_open_array", "{["),
        Case("n_structure_open_object_open_string", "{\"a"),
        Case("n_structure_open_object_string_with_apostrophes", "{'a'"),
        Case("n_structure_single_star", "*"),
        Case("n_structure_trailing_#", "{\"a\":\"b\"}#{}"),
        Case("n_structure_uescaped_LF_before_string", "[\\u000A\"\"]"),
        Case("n_structure_unclosed_array", "[1"),
        Case("n_structure_unclosed_array_partial_null", "[ false, nul"),
        Case("n_structure_unclosed_array_unfinished_false", "[ true, fals"),
        Case("n_structure_unclosed_array_unfinished_true", "[ false, tru"),
        Case("n_structure_unclosed_object", "{\"asd\":\"asd\""),
        Case("n_structure_unicode-identifier", "\u{e5}"),
        Case("n_structure_whitespace_U+2060_word_joiner", "[\u{2060}]"),
        Case("n_structure_whitespace_formfeed", "[\u{0C}]"),
        // UTF-8 inside strings (i_ cases in JSONTestSuite; we reject all malformed UTF-8).
        Case("utf8_lone_continuation", "[\"", [0x80], "\"]"),
        Case("utf8_lone_lead_2", "[\"", [0xC3], "\"]"),
        Case("utf8_overlong_2_C0", "[\"", [0xC0, 0xAF], "\"]"),
        Case("utf8_overlong_2_C1", "[\"", [0xC1, 0xBF], "\"]"),
        Case("utf8_overlong_3", "[\"", [0xE0, 0x80, 0xAF], "\"]"),
        Case("utf8_overlong_3_max", "[\"", [0xE0, 0x9F, 0xBF], "\"]"),
        Case("utf8_overlong_4", "[\"", [0xF0, 0x80, 0x80, 0xAF], "\"]"),
        Case("utf8_overlong_4_max", "[\"", [0xF0, 0x8F, 0xBF, 0xBF], "\"]"),
        Case("utf8_surrogate_D800", "[\"", [0xED, 0xA0, 0x80], "\"]"),
        Case("utf8_surrogate_DFFF", "[\"", [0xED, 0xBF, 0xBF], "\"]"),
        Case("utf8_surrogate_pair_encoded", "[\"", [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], "\"]"),
        Case("utf8_above_10FFFF_F4_90", "[\"", [0xF4, 0x90, 0x80, 0x80], "\"]"),
        Case("utf8_F5", "[\"", [0xF5, 0x80, 0x80, 0x80], "\"]"),
        Case("utf8_FE", "[\"", [0xFE], "\"]"),
        Case("utf8_FF", "[\"", [0xFF], "\"]"),
        Case("utf8_truncated_3_at_quote", "[\"", [0xE2, 0x82], "\"]"),
        Case("utf8_truncated_4_at_quote", "[\"", [0xF0, 0x9F, 0x98], "\"]"),
        Case("utf8_truncated_at_end", "\"", [0xE2, 0x82], ""),
        Case("utf8_bad_second_continuation", "[\"", [0xE2, 0x28, 0xA1], "\"]"),
        Case("utf8_bad_third_continuation", "[\"", [0xF0, 0x9F, 0x98, 0x28], "\"]"),
        Case("utf8_invalid_in_key", "{\"", [0xC0, 0x80], "\":1}"),
        Case("utf8_invalid_in_escaped_string", "[\"\\n", [0xED, 0xA0, 0x80], "\"]"),
        Case("utf8_invalid_after_long_ascii", "[\"abcdefghijklmnopqrstuvwxyz", [0xFF], "abcdefghijklmnop\"]"),
        Case("lone_low_surrogate_escape", "[\"\\uDC00\"]"),
        Case("lone_high_surrogate_escape", "[\"\\uD800\"]"),
        Case("high_then_high_surrogate_escape", "[\"\\uD800\\uD800\"]"),
        Case("high_surrogate_then_char", "[\"\\uD800x\"]"),
        Case("control_in_long_string", "[\"abcdefghijklmnop\u{1}qrstuvwxyz\"]"),
        Case("control_1F", "[\"\u{1F}\"]"),
        Case("nan_literal", "NaN"),
        Case("infinity_literal", "Infinity"),
        Case("minus_zero_leading", "-00"),
        Case("trailing_nul", "{}", [0x00], ""),
    ]

    @Test(arguments: accepted.map(\.0))
    func accepts(_ input: Case) throws {
        let expected = Self.accepted.first { $0.0.name == input.name }?.1
        let value = try JSONParser.parse(input.bytes)
        #expect(value == expected)
        if case .number(let number) = value, number == 0 {
            #expect(number.sign == expected?.doubleValue?.sign)
        }
    }

    @Test(arguments: rejected)
    func rejects(_ input: Case) {
        #expect(throws: JSONError.self) { try JSONParser.parse(input.bytes) }
    }

    @Test func negativeZeroKeepsItsSign() throws {
        let value = try JSONParser.parse("[-0, 0, -0.0, -0e5]")
        let signs = value.arrayValue?.compactMap { $0.doubleValue?.sign }
        #expect(signs == [.minus, .plus, .minus, .minus])
    }

    @Test func errorsNameTheProblemAndOffset() {
        let cases: [(String, JSONError.Code, Int)] = [
            ("", .unexpectedEnd, 0),
            ("[1,]", .syntax, 3),
            ("[1] x", .trailingData, 4),
            ("\u{FEFF}{}", .byteOrderMark, 0),
            ("[01]", .number, 1),
            ("[\"a\u{1}\"]", .controlCharacter, 3),
            ("[\"\\q\"]", .invalidEscape, 2),
            ("[\"\\uDC00\"]", .invalidEscape, 2),
            ("{\"a\" 1}", .syntax, 5),
            ("[[[", .unexpectedEnd, 3),
        ]
        for (text, code, offset) in cases {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == code, "\(text): \(error)")
                #expect(error.offset == offset, "\(text): \(error)")
                #expect(error.message.hasSuffix("at byte \(offset)"), "\(error.message)")
            }
        }
        #expect(throws: JSONError(.invalidUTF8, "invalid UTF-8 lead byte 0xFF in string", at: 2)) {
            try JSONParser.parse([0x5B, 0x22, 0xFF, 0x22, 0x5D])
        }
    }

    @Test func overloadsAgree() throws {
        let text = "  {\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": null}  "
        let bytes = Array(text.utf8)
        let fromString = try JSONParser.parse(text)
        #expect(try JSONParser.parse(bytes) == fromString)
        #expect(try JSONParser.parse(([0x7B] + bytes + [0x7D])[1...bytes.count]) == fromString)
        #expect(try bytes.withUnsafeBytes { try JSONParser.parse($0) } == fromString)
        #expect(fromString["a"]?[2]?.stringValue == "xé")
    }

    @Test func accessors() throws {
        let value = try JSONParser.parse("{\"s\":\"t\",\"n\":7,\"f\":0.5,\"b\":true,\"z\":null,\"a\":[1],\"o\":{}}")
        #expect(value["s"]?.stringValue == "t")
        #expect(value["n"]?.intValue == 7)
        #expect(value["f"]?.intValue == nil)
        #expect(value["f"]?.doubleValue == 0.5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["a"]?[1] == nil)
        #expect(value["o"]?.objectValue == [:])
        #expect(value["missing"] == nil)
        #expect(value["s"]?["x"] == nil)
        #expect(value["s"]?.doubleValue == nil)
        #expect(JSONValue.number(1e300).intValue == nil)
    }
}
