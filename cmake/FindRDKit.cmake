# Finds an RDKit installation that ships no CMake configuration (Debian's librdkit-dev).
#
# Defines the imported targets RDKit::<Component> for each requested component
# (GraphMol, SmilesParse, FileParsers, Descriptors, Fingerprints, FilterCatalog,
# MolStandardize, SubstructMatch, ChemTransforms, DataStructs, RDGeneral, ...), and
#   RDKit_FOUND, RDKit_INCLUDE_DIR, RDKit_DATA_DIR (the folder holding Data/NCI,
#   RDKit's RDBase; empty when rdkit-data is not installed).
# Hints: RDKit_ROOT or the RDBASE environment variable.

set(_rdkit_hints ${RDKit_ROOT} $ENV{RDKit_ROOT} $ENV{RDBASE} /usr /usr/local)

find_path(RDKit_INCLUDE_DIR GraphMol/RDKitBase.h
  HINTS ${_rdkit_hints}
  PATH_SUFFIXES include/rdkit rdkit Code)

set(_rdkit_all_components
  RDGeneral DataStructs RDGeometryLib GraphMol SmilesParse FileParsers Subgraphs
  SubstructMatch ChemTransforms Descriptors PartialCharges Fingerprints FilterCatalog
  Catalogs MolStandardize SimDivPickers ScaffoldNetwork RDStreams Depictor MolDraw2D)
if(NOT RDKit_FIND_COMPONENTS)
  set(RDKit_FIND_COMPONENTS ${_rdkit_all_components})
endif()

set(RDKit_LIBRARIES)
set(_rdkit_missing)
foreach(_comp IN LISTS RDKit_FIND_COMPONENTS)
  find_library(RDKit_${_comp}_LIBRARY NAMES RDKit${_comp}
    HINTS ${_rdkit_hints} PATH_SUFFIXES lib lib64 lib/x86_64-linux-gnu)
  if(RDKit_${_comp}_LIBRARY)
    list(APPEND RDKit_LIBRARIES ${RDKit_${_comp}_LIBRARY})
    if(NOT TARGET RDKit::${_comp})
      add_library(RDKit::${_comp} UNKNOWN IMPORTED)
      set_target_properties(RDKit::${_comp} PROPERTIES
        IMPORTED_LOCATION ${RDKit_${_comp}_LIBRARY}
        INTERFACE_INCLUDE_DIRECTORIES ${RDKit_INCLUDE_DIR})
    endif()
  else()
    list(APPEND _rdkit_missing ${_comp})
  endif()
endforeach()

# Data directory: Debian installs it as share/RDKit beside the include prefix.
get_filename_component(_rdkit_prefix ${RDKit_INCLUDE_DIR}/../.. ABSOLUTE)
find_path(RDKit_DATA_DIR Data/NCI/first_5K.smi
  HINTS $ENV{RDBASE} ${_rdkit_prefix}/share/RDKit ${_rdkit_prefix}/share/rdkit
  NO_DEFAULT_PATH)
if(NOT RDKit_DATA_DIR)
  set(RDKit_DATA_DIR "")
endif()

if(_rdkit_missing)
  set(RDKit_ALL_COMPONENTS_FOUND "")
else()
  set(RDKit_ALL_COMPONENTS_FOUND TRUE)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_LIBRARIES RDKit_ALL_COMPONENTS_FOUND
  REASON_FAILURE_MESSAGE "missing RDKit libraries: ${_rdkit_missing} (install librdkit-dev)")
mark_as_advanced(RDKit_INCLUDE_DIR RDKit_DATA_DIR)
