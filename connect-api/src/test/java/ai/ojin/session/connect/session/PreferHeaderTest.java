package ai.ojin.session.connect.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PreferHeaderTest {

    private static final int MAX = 60;

    static Stream<Arguments> headers() {
        return Stream.of(
                Arguments.of(List.of("wait=10"), OptionalInt.of(10)),
                Arguments.of(List.of("WAIT=10"), OptionalInt.of(10)),
                Arguments.of(List.of("Wait = 7"), OptionalInt.of(7)),
                Arguments.of(List.of("wait=\"12\""), OptionalInt.of(12)),
                Arguments.of(List.of("respond-async, wait=5"), OptionalInt.of(5)),
                Arguments.of(List.of("handling=lenient; x=\"a,b\", wait=9;foo=bar"), OptionalInt.of(9)),
                Arguments.of(List.of("return=minimal", "wait=4"), OptionalInt.of(4)),
                Arguments.of(List.of("wait=0"), OptionalInt.of(0)),
                Arguments.of(List.of("wait=007"), OptionalInt.of(7)),
                Arguments.of(List.of("wait=61"), OptionalInt.of(MAX)),
                Arguments.of(List.of("wait=99999999999999999999"), OptionalInt.of(MAX)),
                Arguments.of(List.of("wait=3, wait=30"), OptionalInt.of(3)),
                Arguments.of(List.of("waiting=5"), OptionalInt.empty()),
                Arguments.of(List.of("wait"), OptionalInt.empty()),
                Arguments.of(List.of("wait="), OptionalInt.empty()),
                Arguments.of(List.of("wait=-1"), OptionalInt.empty()),
                Arguments.of(List.of("wait=1.5"), OptionalInt.empty()),
                Arguments.of(List.of("wait=soon"), OptionalInt.empty()),
                Arguments.of(List.of("wait=\"5"), OptionalInt.empty()),
                Arguments.of(List.of("wait=5 6"), OptionalInt.empty()),
                Arguments.of(List.of("@@@, wait=8"), OptionalInt.of(8)),
                Arguments.of(List.of("x=\"wait=5\""), OptionalInt.empty()),
                Arguments.of(List.of(""), OptionalInt.empty()),
                Arguments.of(List.of(), OptionalInt.empty()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("headers")
    void shouldReadTheFirstWaitPreferenceIgnoringWhatItCannotUnderstand(List<String> headers, OptionalInt expected) {
        // given / when
        OptionalInt wait = PreferHeader.waitSeconds(headers, MAX);

        // then
        assertThat(wait).isEqualTo(expected);
    }

    @Test
    void shouldNeverHonourAWaitWhenTheMaximumIsZero() {
        // given / when
        OptionalInt wait = PreferHeader.waitSeconds(List.of("wait=10"), 0);

        // then
        assertThat(wait).hasValue(0);
    }
}
