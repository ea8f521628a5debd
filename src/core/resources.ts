// Built-in C acquire/release pairs for raw-c-resource. More come from .leaklens.json "resources".

export interface ResourcePair {
  acquire: string[];
  release: string[];
  /** returns: `T* p = acquire(...)`; inPlace: `acquire(&structVar)`; outParam: `acquire(..., &ptr)`. */
  kind: 'returns' | 'inPlace' | 'outParam';
  /** Whether the release takes the pointer itself or its address (`av_frame_free(&frame)`). */
  releaseArg: 'value' | 'address';
  /** outParam: which argument receives the handle (`sqlite3_prepare_v2(db, sql, n, &stmt, &tail)`: 3). */
  handleArg?: number;
  /** The acquisition leaves something to release even when it reports failure (`sqlite3_open`). */
  heldOnFailure?: boolean;
  /**
   * Acquisitions that only prepare the struct and allocate nothing (`WebPPictureInit`): it holds
   * something only once one of `allocates` (or another acquisition) has succeeded on it.
   */
  prepares?: string[];
  /** Calls that allocate into a prepared struct without being acquisitions of their own (`WebPPictureImportRGBA`). */
  allocates?: string[];
  /** Status of an outParam/inPlace acquisition: true when a non-zero result means success (WebP). */
  nonzeroIsSuccess?: boolean;
  /**
   * outParam: the handle argument is a local array the call fills (`int fds[2]; pipe(fds)`), not
   * `&ptr`. Closing any element counts as releasing it: a path that closes neither end leaks both.
   */
  arrayHandle?: boolean;
  /**
   * The call allocates only when this argument is a null pointer (`getcwd(NULL, 0)`, `realpath(p, NULL)`);
   * given a buffer, it fills that and returns it.
   */
  allocatesWhenNull?: number;
}

/** free() and the projects' spellings of it (`FREE(p)` and `sfree(p)` free and clear the pointer). */
const FREES = ['free', 'std::free', 'xfree', 'FREE', 'sfree', 'safefree', 'safe_free'];

export const BUILTIN_RESOURCES: ResourcePair[] = [
  {
    acquire: [
      'malloc',
      'calloc',
      'realloc',
      'strdup',
      'strndup',
      'aligned_alloc',
      'std::malloc',
      'std::calloc',
      'std::realloc',
    ],
    release: FREES,
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['fopen', 'fdopen', 'tmpfile', 'std::fopen'],
    release: ['fclose', 'std::fclose'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['popen'], release: ['pclose'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['opendir', 'fdopendir'], release: ['closedir'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: [
      'stbi_load',
      'stbi_load_from_memory',
      'stbi_load_from_file',
      'stbi_load_from_callbacks',
      'stbi_load_16',
      'stbi_load_16_from_memory',
      'stbi_loadf',
      'stbi_loadf_from_memory',
      'stbi_load_gif_from_memory',
    ],
    release: ['stbi_image_free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['av_frame_alloc'], release: ['av_frame_free'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['av_packet_alloc'], release: ['av_packet_free'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['avcodec_alloc_context3'], release: ['avcodec_free_context'], kind: 'returns', releaseArg: 'address' },
  { acquire: ['sws_getContext'], release: ['sws_freeContext'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['png_create_read_struct'], release: ['png_destroy_read_struct'], kind: 'returns', releaseArg: 'address' },
  {
    acquire: ['png_create_write_struct'],
    release: ['png_destroy_write_struct'],
    kind: 'returns',
    releaseArg: 'address',
  },
  {
    acquire: ['FT_New_Face', 'FT_New_Memory_Face'],
    release: ['FT_Done_Face'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 3,
  },
  { acquire: ['FT_Init_FreeType'], release: ['FT_Done_FreeType'], kind: 'outParam', releaseArg: 'value', handleArg: 0 },
  { acquire: ['FT_Get_Glyph'], release: ['FT_Done_Glyph'], kind: 'outParam', releaseArg: 'value', handleArg: 1 },
  { acquire: ['FT_Stroker_New'], release: ['FT_Stroker_Done'], kind: 'outParam', releaseArg: 'value', handleArg: 1 },
  {
    acquire: ['sqlite3_open', 'sqlite3_open_v2', 'sqlite3_open16'],
    release: ['sqlite3_close', 'sqlite3_close_v2'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 1,
    heldOnFailure: true,
  },
  {
    acquire: ['sqlite3_prepare', 'sqlite3_prepare_v2', 'sqlite3_prepare16_v2'],
    release: ['sqlite3_finalize'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 3,
  },
  {
    acquire: ['sqlite3_prepare_v3'],
    release: ['sqlite3_finalize'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 4,
  },
  {
    acquire: ['av_hwdevice_ctx_create', 'av_hwframe_ctx_create_derived'],
    release: ['av_buffer_unref'],
    kind: 'outParam',
    releaseArg: 'address',
    handleArg: 0,
  },
  {
    acquire: ['av_hwdevice_ctx_alloc', 'av_hwframe_ctx_alloc', 'av_buffer_alloc', 'av_buffer_allocz', 'av_buffer_ref'],
    release: ['av_buffer_unref'],
    kind: 'returns',
    releaseArg: 'address',
  },
  {
    acquire: ['avformat_alloc_context'],
    release: ['avformat_free_context', 'avformat_close_input'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['avformat_open_input'],
    release: ['avformat_close_input'],
    kind: 'outParam',
    releaseArg: 'address',
    handleArg: 0,
  },
  {
    acquire: [
      'SDL_CreateRGBSurface',
      'SDL_CreateRGBSurfaceWithFormat',
      'SDL_CreateRGBSurfaceFrom',
      'SDL_ConvertSurface',
      'SDL_ConvertSurfaceFormat',
      'SDL_LoadBMP',
      'IMG_Load',
      'TTF_RenderText_Solid',
      'TTF_RenderUTF8_Blended',
    ],
    release: ['SDL_FreeSurface', 'SDL_DestroySurface'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['SDL_CreateTexture', 'SDL_CreateTextureFromSurface'],
    release: ['SDL_DestroyTexture'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: [
      'SDL_malloc',
      'SDL_calloc',
      'SDL_strdup',
      // Arrays and strings SDL hands to the caller, documented as freed with SDL_free().
      'SDL_GetClipboardText',
      'SDL_GetPrimarySelectionText',
      'SDL_GetGamepads',
      'SDL_GetJoysticks',
      'SDL_GetKeyboards',
      'SDL_GetMice',
      'SDL_GetTouchDevices',
      'SDL_GetDisplays',
      'SDL_GetCameras',
      'SDL_GetSensors',
      'SDL_GetHaptics',
      'SDL_GetAudioPlaybackDevices',
      'SDL_GetAudioRecordingDevices',
    ],
    release: ['SDL_free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  // File descriptors (checked against -1 or < 0).
  {
    acquire: [
      'open',
      'openat',
      'creat',
      'socket',
      'accept',
      'accept4',
      'mkstemp',
      'mkostemp',
      'dup',
      'epoll_create',
      'epoll_create1',
      'eventfd',
      'timerfd_create',
      'inotify_init',
      'inotify_init1',
      'memfd_create',
      // The new mount API and process descriptors (Linux 5.2+, 5.3+).
      'fsopen',
      'fsmount',
      'fspick',
      'open_tree',
      'pidfd_open',
      'userfaultfd',
      'posix_openpt',
    ],
    release: ['close', 'closesocket'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['iconv_open'], release: ['iconv_close'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: [
      'g_malloc',
      'g_malloc0',
      'g_new',
      'g_new0',
      'g_strdup',
      'g_strndup',
      'g_strdup_printf',
      'g_strconcat',
      'g_strjoin',
      'g_strjoinv',
      'g_build_filename',
      'g_path_get_basename',
      'g_path_get_dirname',
      // Documented as "a newly-allocated string, free with g_free()".
      'g_key_file_get_string',
      'g_key_file_get_value',
      'g_key_file_get_locale_string',
      'g_key_file_to_data',
      'g_strdup_vprintf',
      'g_utf8_strdown',
      'g_utf8_strup',
      'g_ascii_strdown',
      'g_ascii_strup',
      'g_utf8_normalize',
      'g_strescape',
      'g_strcompress',
      'g_markup_escape_text',
      'g_markup_printf_escaped',
      'g_filename_to_utf8',
      'g_filename_from_utf8',
      'g_locale_to_utf8',
      'g_get_current_dir',
      'g_find_program_in_path',
      'g_canonicalize_filename',
      'g_build_path',
      'g_base64_encode',
      'g_uri_escape_string',
      'g_compute_checksum_for_string',
      'g_file_get_path',
      'g_file_get_uri',
      'g_file_get_basename',
    ],
    release: ['g_free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: [
      'g_strsplit',
      'g_strsplit_set',
      'g_strdupv',
      'g_key_file_get_keys',
      'g_key_file_get_groups',
      'g_key_file_get_string_list',
      'g_uri_list_extract_uris',
    ],
    release: ['g_strfreev'],
    kind: 'returns',
    releaseArg: 'value',
  },
  // OpenSSL
  {
    acquire: ['BIO_new', 'BIO_new_mem_buf', 'BIO_new_file', 'BIO_new_fp'],
    release: ['BIO_free', 'BIO_free_all', 'BIO_vfree'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['X509_new', 'PEM_read_bio_X509', 'd2i_X509', 'X509_dup', 'OSSL_STORE_INFO_get1_CERT'],
    release: ['X509_free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['EVP_PKEY_new', 'PEM_read_bio_PrivateKey', 'd2i_PrivateKey', 'OSSL_STORE_INFO_get1_PKEY'],
    release: ['EVP_PKEY_free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['EVP_CIPHER_CTX_new'], release: ['EVP_CIPHER_CTX_free'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['EVP_MD_CTX_new', 'EVP_MD_CTX_create'],
    release: ['EVP_MD_CTX_free', 'EVP_MD_CTX_destroy'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['SSL_new'], release: ['SSL_free'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['SSL_CTX_new'], release: ['SSL_CTX_free'], kind: 'returns', releaseArg: 'value' },
  // Image and media libraries
  {
    acquire: ['TIFFOpen', 'TIFFClientOpen', 'TIFFFdOpen'],
    // TIFFCleanup frees the TIFF without closing a descriptor someone else owns (`TIFFFdOpen(fd)`).
    release: ['TIFFClose', 'TIFFCleanup'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['cmsOpenProfileFromMem', 'cmsOpenProfileFromFile', 'cmsCreate_sRGBProfile'],
    release: ['cmsCloseProfile'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['cmsCreateTransform'], release: ['cmsDeleteTransform'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['pcap_open_live', 'pcap_open_offline', 'pcap_create', 'pcap_open_dead'],
    release: ['pcap_close'],
    kind: 'returns',
    releaseArg: 'value',
  },
  // A filter program compiled into the caller's struct (0 on success): pcap_freecode(&prog).
  { acquire: ['pcap_compile'], release: ['pcap_freecode'], kind: 'outParam', releaseArg: 'address', handleArg: 1 },
  { acquire: ['LEPT_MALLOC', 'LEPT_CALLOC'], release: ['LEPT_FREE'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['ImGui::MemAlloc', 'IM_ALLOC'],
    release: ['ImGui::MemFree', 'IM_FREE'],
    kind: 'returns',
    releaseArg: 'value',
  },
  // Pango: coverage maps are refcounted on their own; fonts and contexts are GObjects.
  { acquire: ['pango_font_get_coverage'], release: ['pango_coverage_unref'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['pango_font_map_load_font', 'pango_font_map_create_context', 'pango_context_new'],
    release: ['g_object_unref'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['av_malloc', 'av_mallocz', 'av_strdup'],
    release: ['av_free', 'av_freep'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['SDL_RWFromFile'], release: ['SDL_RWclose'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['TTF_OpenFont'], release: ['TTF_CloseFont'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['Mix_LoadWAV', 'Mix_LoadWAV_RW'], release: ['Mix_FreeChunk'], kind: 'returns', releaseArg: 'value' },
  // Two descriptors in the caller's array, 0 on success (-1 and errno on failure).
  {
    acquire: ['pipe', 'pipe2'],
    release: ['close'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 0,
    arrayHandle: true,
  },
  {
    acquire: ['socketpair'],
    release: ['close'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 3,
    arrayHandle: true,
  },
  // Other common C APIs
  { acquire: ['curl_easy_init'], release: ['curl_easy_cleanup'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['curl_multi_init'], release: ['curl_multi_cleanup'], kind: 'returns', releaseArg: 'value' },
  // cJSON: a parsed or built tree is the caller's until cJSON_Delete or until added into another tree.
  {
    acquire: [
      'cJSON_Parse',
      'cJSON_ParseWithOpts',
      'cJSON_ParseWithLength',
      'cJSON_ParseWithLengthOpts',
      'cJSON_CreateObject',
      'cJSON_CreateArray',
      'cJSON_Duplicate',
    ],
    release: ['cJSON_Delete'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['cJSON_Print', 'cJSON_PrintUnformatted', 'cJSON_PrintBuffered'],
    release: ['cJSON_free', 'free'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['getaddrinfo'], release: ['freeaddrinfo'], kind: 'outParam', releaseArg: 'value', handleArg: 3 },
  // POSIX calls that return a malloc'd string when not given a buffer, and GNU's heap-formatting printf.
  { acquire: ['getcwd'], release: ['free'], kind: 'returns', releaseArg: 'value', allocatesWhenNull: 0 },
  { acquire: ['realpath'], release: ['free'], kind: 'returns', releaseArg: 'value', allocatesWhenNull: 1 },
  { acquire: ['asprintf', 'vasprintf'], release: ['free'], kind: 'outParam', releaseArg: 'value', handleArg: 0 },
  // GNU readline: each line is a malloc'd copy the caller frees.
  { acquire: ['readline'], release: ['free'], kind: 'returns', releaseArg: 'value' },
  // Xlib's server-side graphics contexts and pixmaps, freed with the display as first argument.
  { acquire: ['XCreateGC'], release: ['XFreeGC'], kind: 'returns', releaseArg: 'value' },
  { acquire: ['XCreatePixmap'], release: ['XFreePixmap'], kind: 'returns', releaseArg: 'value' },
  // xkbcommon's reference-counted objects.
  { acquire: ['xkb_context_new'], release: ['xkb_context_unref'], kind: 'returns', releaseArg: 'value' },
  {
    acquire: ['xkb_keymap_new_from_names', 'xkb_keymap_new_from_string', 'xkb_keymap_new_from_file'],
    release: ['xkb_keymap_unref'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['xkb_state_new'], release: ['xkb_state_unref'], kind: 'returns', releaseArg: 'value' },
  // ALSA's card names: strdup'd copies.
  {
    acquire: ['snd_card_get_name', 'snd_card_get_longname'],
    release: ['free'],
    kind: 'outParam',
    releaseArg: 'value',
    handleArg: 1,
  },
  // Core Graphics' Create rule: what a Create function returns, the caller releases.
  {
    acquire: ['CGColorSpaceCreateDeviceRGB', 'CGColorSpaceCreateDeviceGray', 'CGColorSpaceCreateWithName'],
    release: ['CGColorSpaceRelease', 'CFRelease'],
    kind: 'returns',
    releaseArg: 'value',
  },
  {
    acquire: ['CGBitmapContextCreate'],
    release: ['CGContextRelease', 'CFRelease'],
    kind: 'returns',
    releaseArg: 'value',
  },
  { acquire: ['WebPMemoryWriterInit'], release: ['WebPMemoryWriterClear'], kind: 'inPlace', releaseArg: 'address' },
  // libfuse's argument vector: the first add allocates it; the next ones grow the same vector.
  {
    acquire: ['fuse_opt_add_arg', 'fuse_opt_insert_arg'],
    release: ['fuse_opt_free_args'],
    kind: 'inPlace',
    releaseArg: 'address',
  },
  {
    acquire: ['WebPPictureInit', 'WebPPictureAlloc'],
    release: ['WebPPictureFree'],
    kind: 'inPlace',
    releaseArg: 'address',
    nonzeroIsSuccess: true,
    prepares: ['WebPPictureInit'],
    // On failure these free what they allocated (libwebp's picture_csp_enc.c).
    allocates: [
      'WebPPictureImportRGB',
      'WebPPictureImportRGBA',
      'WebPPictureImportRGBX',
      'WebPPictureImportBGR',
      'WebPPictureImportBGRA',
      'WebPPictureImportBGRX',
    ],
  },
];
