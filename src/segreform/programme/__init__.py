"""segreform.programme"""
