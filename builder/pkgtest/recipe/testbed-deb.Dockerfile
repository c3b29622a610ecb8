# dbuilder's DEP-8 testbed for one distro: its base image, plus what
# autopkgtest itself installs into every testbed it is given a source tree
# for (dpkg-dev to read the tree, apt-utils for the built packages' local
# archive), package lists, a normal user for the tests without needs-root,
# and DOCKER_HOST for the target's daemon (autopkgtest runs tests with the
# environment of /etc/environment). LISTS is the day the package lists were
# fetched: the image is remade once a day, so they never get old.
ARG BASE
FROM ${BASE}
ARG LISTS
ARG DOCKER_HOST_VALUE
ENV DEBIAN_FRONTEND=noninteractive
RUN echo "lists of ${LISTS}" >/dev/null \
 && apt-get update \
 && apt-get install -y --no-install-recommends dpkg-dev apt-utils \
 && rm -f /var/cache/apt/archives/*.deb \
 && (getent passwd 1000 >/dev/null || useradd --create-home --uid 1000 --shell /bin/bash dbuilder-test) \
 && echo "DOCKER_HOST=${DOCKER_HOST_VALUE}" >>/etc/environment
