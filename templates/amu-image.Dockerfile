# An image holding amu's single executable (npm run package), for the in-cluster Job (templates/amu-emigrate-job.yaml):
#   npm run package && docker build -f templates/amu-image.Dockerfile -t REGISTRY/amu:VERSION . && docker push REGISTRY/amu:VERSION
# debian:12-slim has the glibc and libstdc++ the executable needs, and nothing amu does not use.
FROM debian:12-slim
COPY release/amu-linux-x64 /usr/local/bin/amu
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/amu"]
