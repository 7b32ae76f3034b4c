# Tocsin's container image: built from this repository, run as a user
# without privileges, its data in a volume.
#   docker build -t tocsin .
#   docker run -p 8080:8080 -v tocsin-data:/var/lib/tocsin tocsin serve --listen 0.0.0.0:8080 --demo
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The console opens messages in the browser with the envelope reader built
# for WebAssembly first and embedded (crates/tocsin-console/build.rs).
ENV TOCSIN_ENVELOPE_WASM=/src/target/wasm32-unknown-unknown/wasm/tocsin_envelope_wasm.wasm
RUN rustup target add wasm32-unknown-unknown \
 && cargo build --locked -p tocsin-envelope-wasm --target wasm32-unknown-unknown --profile wasm \
 && cargo build --release --locked -p tocsin-cli \
 && install -m 0755 target/release/tocsin /usr/local/bin/tocsin

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/tocsin --shell /usr/sbin/nologin tocsin \
 && install -d -o tocsin -g tocsin -m 0700 /var/lib/tocsin
COPY --from=build /usr/local/bin/tocsin /usr/local/bin/tocsin
USER tocsin
ENV TOCSIN_DATA=/var/lib/tocsin
VOLUME ["/var/lib/tocsin"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tocsin"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
