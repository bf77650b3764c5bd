# Install layout and Debian package (issue 6), included by the top CMakeLists.txt.
# Configure with -DCMAKE_INSTALL_PREFIX=/usr (as scripts/install.sh does) for the usual
# places: /usr/bin/ci-jobsync, /usr/lib/systemd/system/ci-jobsync.{service,timer},
# /etc/ci-jobsync/config.toml.example, /usr/share/doc/ci-jobsync. With another prefix the
# installed service's ExecStart is rewritten to point at that prefix's binary.

# The emulator serves made-up jobs to anyone who knows its demo keys: a production
# package must not ship it. scripts/install.sh --emulator turns this on.
option(JOBSYNC_INSTALL_EMULATOR "Install ci-emulator (test and demo installs only)" OFF)

install(TARGETS ci-jobsync RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(JOBSYNC_INSTALL_EMULATOR)
  install(TARGETS ci-emulator RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# Not CMAKE_INSTALL_LIBDIR: Debian's multiarch lib/x86_64-linux-gnu is not where systemd looks.
set(JOBSYNC_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd units are installed, relative to the prefix")
# The services name the binary by its installed path.
foreach(unit ci-jobsync.service ci-jobsync-audit.service)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/${unit})
  file(READ ${PROJECT_SOURCE_DIR}/config/${unit} JOBSYNC_SERVICE_UNIT)
  string(REPLACE "/usr/bin/ci-jobsync" "${CMAKE_INSTALL_FULL_BINDIR}/ci-jobsync"
         JOBSYNC_SERVICE_UNIT "${JOBSYNC_SERVICE_UNIT}")
  file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/generated/systemd/${unit}
       CONTENT "${JOBSYNC_SERVICE_UNIT}")
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/generated/systemd/ci-jobsync.service
              ${PROJECT_SOURCE_DIR}/config/ci-jobsync.timer
              ${PROJECT_BINARY_DIR}/generated/systemd/ci-jobsync-audit.service
              ${PROJECT_SOURCE_DIR}/config/ci-jobsync-audit.timer
        DESTINATION ${JOBSYNC_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/config/example.toml
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/ci-jobsync
        RENAME config.toml.example)
install(FILES ${PROJECT_SOURCE_DIR}/config/example.toml
              ${PROJECT_SOURCE_DIR}/README.md
              ${PROJECT_SOURCE_DIR}/docs/architecture.md
              ${PROJECT_SOURCE_DIR}/docs/schema.md
              ${PROJECT_SOURCE_DIR}/docs/queries.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "ci-jobsync")
set(CPACK_PACKAGE_VENDOR "ci-jobsync")
set(CPACK_PACKAGE_CONTACT "ci-jobsync maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Syncs Tencent Cloud CI media-job history into PostgreSQL")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "database")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libc6 (>= 2.34), libstdc++6 (>= 12), libgcc-s1, libpqxx-6.4, libpq5, libcurl4 (>= 7.88), libssl3")
# The service runs as a systemd DynamicUser=, which libpq and PostgreSQL's
# peer authentication can only name through nss-systemd.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, libnss-systemd, postgresql-client")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, prometheus-node-exporter")
set(CPACK_STRIP_FILES ON)
# Debian policy: every file under /etc is a conffile, kept across upgrades if edited.
file(WRITE ${PROJECT_BINARY_DIR}/generated/debian/conffiles
     "${CMAKE_INSTALL_FULL_SYSCONFDIR}/ci-jobsync/config.toml.example\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/generated/debian/conffiles)
include(CPack)
