/* 3GPP RRC decoder fields: long hf_ identifiers, not credentials. */
static int hf_servingcellpriorityparameters = -1;
static int hf_servingcellpriorityparametersnrvalu = -1;
proto_tree_add_item(tree, &hf_servingcellpriorityparametersnrvalu, tvb, 0, 1, ENC_NA);
proto_register_field_array(proto, &hf_servingcellpriorityparameterslteeutr, 1);
