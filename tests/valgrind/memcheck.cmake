# Memcheck (cmake -DHANDOUT_VALGRIND=ON, label memcheck): a subset of the
# suite with every program of ours run under valgrind memcheck through
# tests/valgrind/vg.sh, which fails on any invalid access, use of an
# uninitialised value, bad free or definite/indirect leak, in forked batch
# workers too (suppressions: tests/valgrind/handout.supp, system libraries
# only).  The scripts that take the handout binary get handout-memcheck, a
# wrapper generated here that runs the real one under vg.sh.  Use a plain
# build (not HANDOUT_SANITIZE); see README "Tests and benchmark".
# Included from tests/CMakeLists.txt.

if(HANDOUT_SANITIZE)
  message(FATAL_ERROR "HANDOUT_VALGRIND needs a build without HANDOUT_SANITIZE")
endif()
find_program(VALGRIND_EXECUTABLE valgrind REQUIRED)

set(vg_dir ${CMAKE_CURRENT_SOURCE_DIR}/valgrind)
set(vg_env "HANDOUT_HOME=${CMAKE_SOURCE_DIR};VALGRIND=${VALGRIND_EXECUTABLE}")
set(vg_handout ${CMAKE_CURRENT_BINARY_DIR}/handout-memcheck)
file(GENERATE OUTPUT ${vg_handout}
  CONTENT "#!/bin/sh\nexec sh '${vg_dir}/vg.sh' '$<TARGET_FILE:handout>' \"$@\"\n"
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# memcheck_test(NAME COMMAND...): one test, label memcheck
function(memcheck_test name)
  add_test(NAME memcheck.${name} COMMAND ${ARGN}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(memcheck.${name} PROPERTIES LABELS memcheck
    TIMEOUT 900 ENVIRONMENT "${vg_env}")
endfunction()

# every unit test (tests/unit/test_NAME.c built as test_NAME)
file(GLOB unit_sources RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}/unit
     ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_*.c)
foreach(source ${unit_sources})
  string(REGEX REPLACE "^test_(.*)[.]c$" "\\1" name ${source})
  if(TARGET test_${name})
    memcheck_test(unit.${name} sh ${vg_dir}/vg.sh $<TARGET_FILE:test_${name}>)
    set_property(TEST memcheck.unit.${name} APPEND PROPERTY ENVIRONMENT
      "HANDOUT_BIN=${vg_handout};HANDOUT_PYTHON=${HANDOUT_PYTHON}")
  endif()
endforeach()

# bad input: every stage that can refuse it (YAML, UTF-8, keys, includes,
# limits, inline markup, images, layouts, cards, tri-folds, pagination)
foreach(stem yaml-unclosed-quote yaml-bad-indent utf8-overlong utf8-truncated
        duplicate-key anchor depth-bomb include-cycle include-error-inside
        multiple-errors unknown-key-suggest unclosed-bold-multiline
        unknown-variable image-missing-file qr-bad-url limit-blocks
        limit-table-rows table-ragged noncharacter-uffff
        layout-saddle-sheet-small layout-panel-twice layout-font-path
        card-too-long trifold-too-long trifold-back-too-tall)
  memcheck_test(bad.${stem} sh ${CMAKE_CURRENT_SOURCE_DIR}/run_bad.sh ${vg_handout} ${stem})
endforeach()
foreach(stem mixed crlf-bom bad-utf8-after-multiline latin1)
  memcheck_test(bad-csv.${stem}
                sh ${CMAKE_CURRENT_SOURCE_DIR}/run_bad_csv.sh ${vg_handout} ${stem})
endforeach()

# lint: the text and JSON outputs, layouts, readability; every handout
foreach(stem ok json-problems layout-contrast readability-smog jargon
        variable-unknown review-past)
  memcheck_test(lint.${stem} sh ${CMAKE_CURRENT_SOURCE_DIR}/run_lint.sh ${vg_handout} ${stem})
endforeach()
memcheck_test(lint.handouts ${vg_handout} lint handouts)

# whole renders of real handouts, read back (tests/pdf/check_pdf.sh)
foreach(spec melanoma:a4 melanoma:a4-justified lung-nsclc:large-print
        melanoma:trifold-a4 kidney-rcc:wallet-card melanoma:a5-booklet:--impose
        kidney-rcc:wallet-card:--impose)
  string(REPLACE ":" ";" parts ${spec})
  list(POP_FRONT parts handout layout)
  string(REPLACE ";" "" suffix "${parts}")
  memcheck_test(render.${handout}.${layout}${suffix}
    sh ${vg_dir}/run_render.sh ${vg_handout} handouts/${handout}.yaml ${layout} ${parts})
endforeach()
memcheck_test(render.good-image.a4
  sh ${vg_dir}/run_render.sh ${vg_handout} tests/good-image.yaml a4)

# per-patient batches with -j 1 and -j 2 (forked workers), and mail
# --spool / --dry-run
memcheck_test(batch.patients sh ${vg_dir}/run_batch.sh ${vg_handout})
memcheck_test(mail.spool sh ${vg_dir}/run_mail.sh ${vg_handout})
# the longest first, so that ctest -j 2 ends with both cores busy
set_tests_properties(memcheck.batch.patients memcheck.mail.spool
                     memcheck.unit.protect memcheck.unit.render
                     PROPERTIES COST 100)

# the fuzz regressions, replayed
foreach(case ${fuzz_regressions})
  string(REGEX MATCH "^[a-z]+" target ${case})
  memcheck_test(fuzz.${case} sh ${vg_dir}/vg.sh $<TARGET_FILE:replay_${target}>
                ${CMAKE_SOURCE_DIR}/tests/fuzz/regressions/${case})
endforeach()
