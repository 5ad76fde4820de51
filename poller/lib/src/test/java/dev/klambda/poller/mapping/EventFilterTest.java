package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;

class EventFilterTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            {"value":{"type":["order"]}}                          | {"value":{"type":"order"}}              | true
            {"value":{"type":["order"]}}                          | {"value":{"type":"refund"}}             | false
            {"value":{"type":["order"]}}                          | {"value":"plain text"}                  | false
            {"value":{"type":["order","refund"]}}                 | {"value":{"type":"refund"}}             | true
            {"value":{"tags":["b"]}}                              | {"value":{"tags":["a","b"]}}            | true
            {"value":{"n":[5]}}                                   | {"value":{"n":5.0}}                     | true
            {"value":{"n":[null]}}                                | {"value":{"n":null}}                    | true
            {"value":{"n":[null]}}                                | {"value":{}}                            | false
            {"value":{"id":[{"prefix":"ord-"}]}}                  | {"value":{"id":"ord-1"}}                | true
            {"value":{"id":[{"suffix":".png"}]}}                  | {"value":{"id":"a.jpg"}}                | false
            {"value":{"id":[{"equals-ignore-case":"ABC"}]}}       | {"value":{"id":"aBc"}}                  | true
            {"value":{"id":[{"anything-but":["x","y"]}]}}         | {"value":{"id":"z"}}                    | true
            {"value":{"id":[{"anything-but":"x"}]}}               | {"value":{"id":"x"}}                    | false
            {"value":{"id":[{"anything-but":{"prefix":"tmp"}}]}}  | {"value":{"id":"tmp-1"}}                | false
            {"value":{"n":[{"numeric":[">",0,"<=",5]}]}}          | {"value":{"n":5}}                       | true
            {"value":{"n":[{"numeric":[">",0,"<=",5]}]}}          | {"value":{"n":0}}                       | false
            {"value":{"n":[{"numeric":["=",3]}]}}                 | {"value":{"n":"3"}}                     | false
            {"value":{"err":[{"exists":false}]}}                  | {"value":{"ok":1}}                      | true
            {"value":{"err":[{"exists":true}]}}                   | {"value":{"ok":1}}                      | false
            {"value":["plain text"]}                              | {"value":"plain text"}                  | true
            {"partition":[0],"value":{"a":[1]}}                   | {"partition":1,"value":{"a":1}}         | false
            {"$or":[{"value":{"a":[1]}},{"value":{"b":[2]}}]}     | {"value":{"b":2}}                       | true
            {"$or":[{"value":{"a":[1]}},{"value":{"b":[2]}}]}     | {"value":{"c":3}}                       | false
            """)
    void matchesAsLambdasPatternLanguageDoes(String pattern, String event, boolean matches) throws Exception {
        assertThat(EventFilter.of(List.of(pattern)).matches(JSON.readTree(event))).isEqualTo(matches);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            not json
            ["a list"]
            {"value":"order"}
            {"value":{"type":[]}}
            {"value":{"type":[{"prefix":1}]}}
            {"value":{"type":[{"numeric":[">"]}]}}
            {"value":{"type":[{"wildcard-ish":"x"}]}}
            {"value":{"type":[["nested"]]}}
            {"$or":[{"value":{"a":[1]}}]}
            """)
    void refusesPatternsItCouldNeverMatchCorrectly(String pattern) {
        assertThatThrownBy(() -> EventFilter.of(List.of(pattern))).isInstanceOf(EventFilter.InvalidPatternException.class)
                .hasMessageStartingWith("Invalid filter pattern definition");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"value":{"a":[1]}}  | {"value":{"b":[2]}} | {"value":{"b":2}} | true
            {"value":{"a":[1]}}  | {"value":{"b":[2]}} | {"value":{"c":2}} | false
            """)
    void aRecordPassesWhenAnyPatternMatches(String first, String second, String event, boolean matches)
            throws Exception {
        assertThat(EventFilter.of(List.of(first, second)).matches(JSON.readTree(event))).isEqualTo(matches);
    }
}
