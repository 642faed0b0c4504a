// XMP metadata written into and read back from encoded files, through Exiv2.
#include "easel/image/metadata.hpp"

#include <exiv2/exiv2.hpp>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>

#include "easel/core/error.hpp"

namespace easel {
namespace {

constexpr const char* kEaselNamespace = "https://easel.dev/ns/1.0/";

// Exiv2's XMP toolkit must be initialised once per process before any thread uses it.
void initialise_xmp() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::XmpParser::initialize();
    Exiv2::XmpProperties::registerNs(kEaselNamespace, "easel");
  });
}

constexpr DigitalSourceType kAllSourceTypes[] = {DigitalSourceType::algorithmically_enhanced,
                                                 DigitalSourceType::composite_with_trained_algorithmic_media,
                                                 DigitalSourceType::trained_algorithmic_media};

}  // namespace

const char* digital_source_type_uri(DigitalSourceType type) {
  switch (type) {
    case DigitalSourceType::algorithmically_enhanced:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicallyEnhanced";
    case DigitalSourceType::composite_with_trained_algorithmic_media:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
    case DigitalSourceType::trained_algorithmic_media:
      return "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
  }
  return "";
}

std::vector<std::uint8_t> embed_metadata(const std::vector<std::uint8_t>& encoded, const OutputMetadata& metadata) {
  initialise_xmp();
  try {
    auto image = Exiv2::ImageFactory::open(encoded.data(), static_cast<long>(encoded.size()));
    image->readMetadata();
    Exiv2::XmpData& xmp = image->xmpData();
    xmp["Xmp.iptcExt.DigitalSourceType"] = digital_source_type_uri(metadata.source_type);
    xmp["Xmp.xmp.CreatorTool"] = metadata.software;
    if (!metadata.plan_json.empty()) xmp["Xmp.easel.Plan"] = metadata.plan_json;
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    io.seek(0, Exiv2::BasicIo::beg);
    std::vector<std::uint8_t> result(io.size());
    if (io.read(result.data(), static_cast<long>(result.size())) != static_cast<long>(result.size())) {
      throw Error(ErrorKind::output, "writing metadata: short read");
    }
    return result;
  } catch (const Exiv2::AnyError& error) {
    throw Error(ErrorKind::output, std::string("writing metadata failed: ") + error.what());
  }
}

OutputMetadata read_output_metadata(std::span<const std::uint8_t> encoded) {
  initialise_xmp();
  OutputMetadata metadata;
  metadata.software.clear();
  try {
    auto image = Exiv2::ImageFactory::open(encoded.data(), static_cast<long>(encoded.size()));
    image->readMetadata();
    const Exiv2::XmpData& xmp = image->xmpData();
    const auto text_of = [&](const char* key) {
      const auto found = xmp.findKey(Exiv2::XmpKey(key));
      return found == xmp.end() ? std::string() : found->toString();
    };
    metadata.plan_json = text_of("Xmp.easel.Plan");
    metadata.software = text_of("Xmp.xmp.CreatorTool");
    const std::string source_type = text_of("Xmp.iptcExt.DigitalSourceType");
    if (source_type.empty()) throw Error(ErrorKind::input, "the image carries no IPTC digital source type");
    const auto* known =
        std::find_if(std::begin(kAllSourceTypes), std::end(kAllSourceTypes),
                     [&](DigitalSourceType type) { return source_type == digital_source_type_uri(type); });
    if (known == std::end(kAllSourceTypes)) {
      throw Error(ErrorKind::input, "the image's IPTC digital source type " + source_type + " is not one Easel writes");
    }
    metadata.source_type = *known;
  } catch (const Exiv2::AnyError& error) {
    throw Error(ErrorKind::input, std::string("reading metadata failed: ") + error.what());
  }
  return metadata;
}

}  // namespace easel
