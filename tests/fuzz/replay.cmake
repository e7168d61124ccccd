# Fuzz regressions, replayed in every build (no libFuzzer needed): one
# replay_TARGET program per target (load, layout, inline, render, csv, mime:
# replay.c + the target's LLVMFuzzerTestOneInput) and one ctest entry per
# file in tests/fuzz/regressions/, named TARGET-SHORT-NAME, label fuzz.
# The seeds the targets start from are replayed too, as a check of the
# harnesses, and limits.py checks the time and memory limits (labels fuzz
# and slow).  Included from tests/CMakeLists.txt.

set(fuzz_dir ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(fuzz_env "HANDOUT_HOME=${CMAKE_SOURCE_DIR}")

foreach(name load layout inline render csv mime)
  add_executable(replay_${name} ${fuzz_dir}/replay.c ${fuzz_dir}/fuzz_${name}.c)
  target_link_libraries(replay_${name} PRIVATE handout_core)
  target_include_directories(replay_${name} PRIVATE ${fuzz_dir})
  target_compile_definitions(replay_${name} PRIVATE
                             HANDOUT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  set_target_properties(replay_${name} PROPERTIES LINKER_LANGUAGE CXX)
  handout_warnings(replay_${name})
endforeach()

file(GLOB fuzz_regressions RELATIVE ${fuzz_dir}/regressions
     ${fuzz_dir}/regressions/*)
foreach(case ${fuzz_regressions})
  string(REGEX MATCH "^(load|layout|inline|render|csv|mime)-" prefix ${case})
  if(NOT prefix)
    message(FATAL_ERROR "tests/fuzz/regressions/${case}: name must start "
                        "with load-, layout-, inline-, render-, csv- or "
                        "mime-")
  endif()
  string(REGEX REPLACE "-$" "" target ${prefix})
  add_test(NAME fuzz.${case}
           COMMAND replay_${target} ${fuzz_dir}/regressions/${case}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(fuzz.${case} PROPERTIES LABELS fuzz TIMEOUT 60
                       ENVIRONMENT "${fuzz_env}")
endforeach()

add_test(NAME fuzz.seeds.load
         COMMAND replay_load ${CMAKE_SOURCE_DIR}/handouts
                 ${CMAKE_SOURCE_DIR}/handouts/common ${CMAKE_SOURCE_DIR}/tests/bad
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME fuzz.seeds.layout
         COMMAND replay_layout ${CMAKE_SOURCE_DIR}/layouts
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME fuzz.seeds.inline
         COMMAND replay_inline ${CMAKE_SOURCE_DIR}/handouts
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME fuzz.seeds.render
         COMMAND replay_render ${CMAKE_SOURCE_DIR}/tests/good-min.yaml
                 ${CMAKE_SOURCE_DIR}/handouts/melanoma.yaml
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
file(GLOB fuzz_csv_seeds ${CMAKE_SOURCE_DIR}/tests/patients/*.csv
     ${CMAKE_SOURCE_DIR}/tests/bad-csv/*.csv)
add_test(NAME fuzz.seeds.csv
         COMMAND replay_csv ${fuzz_csv_seeds}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
file(GLOB fuzz_mime_seeds ${fuzz_dir}/seeds/mime-*)
add_test(NAME fuzz.seeds.mime
         COMMAND replay_mime ${fuzz_mime_seeds}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(fuzz.seeds.load fuzz.seeds.layout fuzz.seeds.inline
                     fuzz.seeds.render fuzz.seeds.csv fuzz.seeds.mime
                     PROPERTIES LABELS fuzz TIMEOUT 120 ENVIRONMENT "${fuzz_env}")

# The resource promise: hostile handouts up to the 1 MiB file limit render
# (or fail cleanly) within 10 s and 256 MiB each.  Peak memory is only
# checked in plain builds: sanitizers use several times as much (and time).
if(HANDOUT_SANITIZE OR HANDOUT_FUZZ)
  set(limits_mode --sanitized)
else()
  set(limits_mode)
endif()
add_test(NAME fuzz.limits
         COMMAND python3 ${fuzz_dir}/limits.py $<TARGET_FILE:handout> ${limits_mode}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(fuzz.limits PROPERTIES LABELS "fuzz;slow" TIMEOUT 600
                     ENVIRONMENT "${fuzz_env}")
