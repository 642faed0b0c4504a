// Fuzzes the decoding entry point: any input must decode or fail with easel::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits keep each execution fast; the limit check itself is part of what is fuzzed.
  const easel::DecodeLimits limits{4'000'000, 8ull << 20};
  try {
    const auto decoded = easel::decode_image(std::span(data, size), limits);
    (void)decoded.image.to_float();
  } catch (const easel::Error&) {
  }
  return 0;
}
