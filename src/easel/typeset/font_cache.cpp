#include "easel/typeset/font_cache.hpp"

#include <map>
#include <memory>

#include "easel/core/error.hpp"

namespace easel {
namespace {

FT_Library library() {
  static FT_Library instance = [] {
    FT_Library created = nullptr;
    if (FT_Init_FreeType(&created) != 0) throw Error(ErrorKind::capability, "FreeType could not be initialised");
    return created;
  }();
  return instance;
}

LoadedFont open_font(const FontFace& face) {
  LoadedFont font;
  font.face = face;
  if (FT_New_Face(library(), face.path.c_str(), face.index, &font.ft_face) != 0) {
    throw Error(ErrorKind::capability, "font file " + face.path + " could not be opened");
  }
  hb_blob_t* blob = hb_blob_create_from_file(face.path.c_str());
  hb_face_t* hb_face = hb_face_create(blob, static_cast<unsigned>(face.index));
  hb_blob_destroy(blob);
  font.hb_font = hb_font_create(hb_face);
  hb_face_destroy(hb_face);
  const unsigned upem = hb_face_get_upem(hb_font_get_face(font.hb_font));
  font.units_per_em = upem;
  hb_font_set_scale(font.hb_font, static_cast<int>(upem), static_cast<int>(upem));
  hb_font_extents_t extents{};
  hb_font_get_h_extents(font.hb_font, &extents);
  font.ascender_em = extents.ascender / font.units_per_em;
  font.descender_em = -extents.descender / font.units_per_em;
  font.color_bitmaps = FT_HAS_COLOR(font.ft_face) && !FT_IS_SCALABLE(font.ft_face);
  return font;
}

}  // namespace

std::mutex& freetype_mutex() {
  static std::mutex mutex;
  return mutex;
}

const LoadedFont& load_font(const FontFace& face) {
  static std::mutex cache_mutex;
  // Node-based map: references handed out stay valid as fonts are added.
  static std::map<std::pair<std::string, int>, std::unique_ptr<LoadedFont>> fonts;
  const std::lock_guard lock(cache_mutex);
  auto& slot = fonts[{face.path, face.index}];
  if (!slot) {
    const std::lock_guard freetype_lock(freetype_mutex());
    slot = std::make_unique<LoadedFont>(open_font(face));
  }
  return *slot;
}

}  // namespace easel
