# What `cmake --install` puts where, and the Debian package CPack makes of it
# (docs/install.md). Programs in bin/, probe's helpers in libexec/stubprobe/ (probe/musl),
# the catalogue in share/stubprobe/, man pages, docs in share/doc/stubprobe/.

install(TARGETS fakens sniff probe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/data/scenarios.conf DESTINATION ${CMAKE_INSTALL_DATADIR}/stubprobe)
# The committed baselines, for `probe --baseline` and `probe diff` on the installed system:
# their reports only, not whatever else a working tree holds beside them (captures).
if(EXISTS ${CMAKE_SOURCE_DIR}/results/baselines)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/results/baselines/
    DESTINATION ${CMAKE_INSTALL_DATADIR}/stubprobe/baselines
    FILES_MATCHING PATTERN "report.json" PATTERN "*.md")
endif()

# Man pages go in compressed, as Debian policy asks (12.1); man reads them either way.
find_program(SP_GZIP gzip)
set(sp_man_pages probe.1 sniff.1 fakens.8)
set(sp_man_outputs)
foreach(page ${sp_man_pages})
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  set(src ${CMAKE_SOURCE_DIR}/docs/man/${page})
  if(SP_GZIP)
    set(out ${CMAKE_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${SP_GZIP} -9 -n -c ${src} > ${out}
      DEPENDS ${src}
      COMMENT "Compressing man page ${page}")
    list(APPEND sp_man_outputs ${out})
  else()
    set(out ${src})
  endif()
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man-pages ALL DEPENDS ${sp_man_outputs})

file(GLOB sp_docs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md ${CMAKE_SOURCE_DIR}/docs/*.json)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${sp_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/results/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/results)

# `cpack -G DEB` in the build directory (or the `package` target) makes
# stubprobe_VERSION_ARCH.deb, installing under /usr.
set(SP_PACKAGE_CONTACT "stubprobe maintainers <maintainers@users.noreply.r-seed-bac19f39.example>"
    CACHE STRING "Maintainer field of the Debian package")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stubprobe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SP_PACKAGE_CONTACT})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# As Debian ships programs: without their debugging symbols (the build tree keeps them).
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "test how DNS stub resolvers behave on the wire")
# The summary line comes from CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the long part.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "stubprobe finds out whether a DNS stub resolver that asks for A and AAAA at
once waits for both answers, or takes the first and closes its socket, so that
the second answer draws an ICMP port unreachable and the client silently
prefers one address family.

probe builds a lab in network and mount namespaces of its own, serves a fake
zone, runs resolvers (glibc, c-ares, musl, any command) through scenarios and
gives verdicts with the capture as evidence; fakens is the scriptable fake
nameserver and sniff the capture analyser, both usable on their own.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The programs exec nothing but each other, musl-gai and /bin/sh (essential), so the shared
# libraries are the whole of the dependencies: dpkg-shlibdeps (dpkg-dev) finds them where it
# is installed, else they are named here.
find_program(SP_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SP_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libuv1 (>= 1.44), libc-ares2 (>= 1.18), libpcap0.8 (>= 1.10), libjansson4 (>= 2.13)")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "tshark | wireshark")
include(CPack)
